//===- Pipelines.h - awq lowering pipelines and registration -----*- C++ -*-===//
//
// The pass pipelines that take awq IR to PTX, and the registration of every
// dialect, interface and translation they need.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_PIPELINES_H
#define AWQ_CODEGEN_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;

namespace awq {

/// Options of the gpu.module -> PTX pipeline.
struct GpuToPtxOptions : public PassPipelineOptions<GpuToPtxOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("GPU architecture (sm_80, sm_86, sm_89, "
                                    "sm_90, sm_90a)"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX ISA version feature; below +ptx80 LLVM aborts for "
                     "sm_90"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level", llvm::cl::desc("LLVM optimisation level"),
      llvm::cl::init(3)};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu-module-to-binary format: isa (PTX text), bin, "
                     "fatbin"),
      llvm::cl::init("isa")};
};

/// gpu.module kernels written in gpu/nvgpu/nvvm/vector/scf/arith/memref ->
/// gpu.binary holding PTX for `options.chip`. The list is spelled out
/// rather than using gpu-lower-to-nvvm-pipeline so that the order
/// (nvgpu before the gpu.module conversion) and options are ours.
void buildGpuToPtxPipeline(OpPassManager &pm, const GpuToPtxOptions &options);

/// Registers the pipelines above as `awq-gpu-to-ptx` (and, once codegen
/// exists, the full `awq-to-ptx`).
void registerAwqPipelines();

/// Every dialect, extension and translation interface that awq-opt and
/// awq-compile need, without MLIR's register-everything libraries.
void registerAwqDialects(DialectRegistry &registry);

} // namespace awq
} // namespace mlir

#endif // AWQ_CODEGEN_PIPELINES_H
