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
    serve is an error at the op, naming the constraint. The kernels are
    those of the op's `kernel_choices` (`awq-select-kernels`) if it has
    them, else the ones that pass would choose with these options.
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
    Option<"tuning", "tuning", "std::string", "\"\"",
           "a tuning table (tuning/*.json, scripts/tune.py): measured kernel "
           "choices that replace the defaults for the shapes it lists">,
    Option<"device", "device", "std::string", "\"\"",
           "the GPU's name as the CUDA driver reports it ('NVIDIA H100 80GB "
           "HBM3'): unless tuning= names a table, the built-in table measured "
           "on that GPU for this chip (tuning/*.json), if there is one">,
    ListOption<"gemmTiles", "gemm-tiles", "std::string",
           "tensor-core variants replacing the defaults, each "
           "MMIN-MMAX:BMxBNxWMxWNxSTAGES[xKCHUNKSxWARPSK[xW]] (MMAX may be 'max'; W: 0, 1 = double-buffered dequantized tile, r = dequantized into registers) "
           "or MMIN-MMAX:sMTILESxNTILESxWARPSxUNROLL[xWARPSN[xp][xt][xs]] for the stream kernel (p: prefetch, t: weights as the MMA A operand, s: activations staged in shared memory) "
           "or MMIN-MMAX:wBMxBNxWARPGROUPSxSTAGES[xkSPLITK][xuTILES][xws] for the sm_90a warpgroup-MMA kernel (kSPLITK: K split over a cluster of that many blocks; uTILES: K tiles of 64 per pipeline step; ws: a producer warpgroup copies and dequantizes); "
           "they must tile M from the first MMIN (2 to 5; the GEMV serves the M below) to 2^31-1 in order">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}


def SelectKernelsPass : Pass<"awq-select-kernels", "ModuleOp"> {
  let summary = "choose the kernel of every M range for each awq.qlinear";
  let description = [{
    Policy, kept apart from the lowering: for each `awq.qlinear`, the kernel
    family and tiling that serve each M range on the target chip (the
    defaults of codegen/KernelSelection.cpp, measured in docs/perf.md, or
    the gemm-tiles / gemv-tile overrides), recorded as
    `kernel_choices = [#awq.kernel_choice<m_min = .., m_max = .., spec = "..">]`.
    `convert-awq-to-gpu` then builds exactly those. A choice that cannot
    serve the op's shape is an error at the op, naming the constraint.
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
    Option<"tuning", "tuning", "std::string", "\"\"",
           "a tuning table (tuning/*.json, scripts/tune.py): measured kernel "
           "choices that replace the defaults for the shapes it lists">,
    Option<"device", "device", "std::string", "\"\"",
           "the GPU's name as the CUDA driver reports it ('NVIDIA H100 80GB "
           "HBM3'): unless tuning= names a table, the built-in table measured "
           "on that GPU for this chip (tuning/*.json), if there is one">,
    ListOption<"gemmTiles", "gemm-tiles", "std::string",
           "tensor-core variants replacing the defaults, each "
           "MMIN-MMAX:BMxBNxWMxWNxSTAGES[xKCHUNKSxWARPSK[xW]] (MMAX may be 'max'; W: 0, 1 = double-buffered dequantized tile, r = dequantized into registers) "
           "or MMIN-MMAX:sMTILESxNTILESxWARPSxUNROLL[xWARPSN[xp][xt][xs]] for the stream kernel (p: prefetch, t: weights as the MMA A operand, s: activations staged in shared memory) "
           "or MMIN-MMAX:wBMxBNxWARPGROUPSxSTAGES[xkSPLITK][xuTILES][xws] for the sm_90a warpgroup-MMA kernel (kSPLITK: K split over a cluster of that many blocks; uTILES: K tiles of 64 per pipeline step; ws: a producer warpgroup copies and dequantizes); "
           "they must tile M from the first MMIN (2 to 5; the GEMV serves the M below) to 2^31-1 in order">,
  ];
  let dependentDialects = [];
}

#endif // AWQ_CODEGEN_PASSES_TD
