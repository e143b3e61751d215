//===- Passes.td - awq codegen passes ----------------------*- tablegen -*-===//
//
// Lowering of quantized linears to generated GPU kernels.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_PASSES_TD
#define AWQ_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAwqToGPUPass : Pass<"convert-awq-to-gpu", "ModuleOp"> {
  let summary = "generate specialised GPU kernels for every awq.qlinear";
  let description = [{
    For each `awq.qlinear` (4-bit, static N and K), builds kernels
    specialised on (N, K, group size, activation dtype, zero points, bias)
    into the module's `gpu.module @awq_kernels`, one per M range: GEMV
    kernels for M = 1, 2, 3..4 and a kernel for every larger M, and records
    them on the op as `kernels = [#awq.variant<...>]`. Linears of the same
    specialisation share kernels. The op itself stays: the host side is the
    runtime's, which launches the recorded variants. A shape no kernel can
    serve is an error at the op, naming the constraint.
  }];
  let options = [
    Option<"chip", "chip", "std::string", "\"sm_90\"",
           "target GPU architecture (sm_80, sm_86, sm_89, sm_90, sm_90a)">,
    Option<"wgmma", "wgmma", "bool", "true",
           "on sm_90a, serve M > 32 with the warpgroup-MMA kernel">,
    Option<"maxSharedBytes", "max-shared-bytes", "int64_t", "0",
           "shared memory per block the kernels may use (0: the chip's "
           "maximum; the JIT passes the device's own)">,
    Option<"gemvTile", "gemv-tile", "std::string", "\"\"",
           "the M = 1 GEMV's tiling ROWSxWARPSxUNROLL[xGROUPS[xMINBLOCKS]] (weight rows per "
           "group, warps splitting K, chunks per thread in flight, row groups "
           "per block, pipelined; blocks per SM) instead of the default">,
    ListOption<"gemmTiles", "gemm-tiles", "std::string",
           "tensor-core variants replacing the defaults, each "
           "MMIN-MMAX:BMxBNxWMxWNxSTAGES[xKCHUNKSxWARPSK[xW]] (MMAX may be 'max'; W: 0, 1 = double-buffered dequantized tile, r = dequantized into registers) "
           "or MMIN-MMAX:sMTILESxNTILESxWARPSxUNROLL[xWARPSN[xp][xt][xs]] for the stream kernel (p: prefetch, t: weights as the MMA A operand, s: activations staged in shared memory) "
           "or MMIN-MMAX:wBMxBNxWARPGROUPSxSTAGES for the sm_90a warpgroup-MMA kernel; "
           "they must tile M from the first MMIN (2 to 5; the GEMV serves the M below) to 2^31-1 in order">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // AWQ_CODEGEN_PASSES_TD
