//===- awq-opt.cpp - mlir-opt with the awq dialect and passes --------------===//
//
// The awq dialect, its passes and pipelines, plus the upstream dialects and
// passes that the awq pipeline uses, behind MLIR's standard opt driver.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "codegen/Pipelines.h"
#include "model/Passes.h"
#include "passes/Passes.h"

#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::awq::registerAwqDialects(registry);

  mlir::registerTransformsPasses();
  mlir::registerGPUPasses();
  mlir::registerConvertNVGPUToNVVMPass();
  mlir::registerConvertGpuOpsToNVVMOps();
  mlir::registerConvertNVVMToLLVMPass();
  mlir::registerSCFToControlFlowPass();
  mlir::registerConvertVectorToSCFPass();
  mlir::registerArithToLLVMConversionPass();
  mlir::registerConvertFuncToLLVMPass();
  mlir::registerConvertIndexToLLVMPass();
  mlir::registerReconcileUnrealizedCastsPass();
  mlir::awq::registerAwqPasses();
  mlir::awq::registerAwqModelPasses();
  mlir::awq::registerAwqCodegenPasses();
  mlir::awq::registerAwqPipelines();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "awq optimizer driver\n", registry));
}
