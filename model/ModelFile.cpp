//===- ModelFile.cpp - open a model for the whole-model tools -------------===//

#include "model/ModelFile.h"

#include "dialects/Awq/AwqOps.h"
#include "model/Checkpoint.h"
#include "model/ModelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/Path.h"

using namespace mlir;
namespace awq::model {

void registerModelDialects(DialectRegistry &registry) {
  registry.insert<mlir::awq::AwqDialect, arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, tensor::TensorDialect>();
}

OwningOpRef<ModuleOp> openModel(MLIRContext &context,
                                            llvm::StringRef path) {
  if (path.ends_with(".mlir") || path.ends_with(".mlirbc"))
    return parseSourceFile<ModuleOp>(path, &context);
  llvm::Expected<ModelDescription> description = readCheckpoint(path);
  if (!description) {
    emitError(UnknownLoc::get(&context))
        << llvm::toString(description.takeError());
    return nullptr;
  }
  OwningOpRef<ModuleOp> module =
      buildModelIR(context, *description, /*irDirectory=*/"");
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

std::string tokenizerPathFor(ModuleOp module,
                                         llvm::StringRef modelPath,
                                         llvm::StringRef override) {
  if (!override.empty())
    return override.str();
  auto attr = module->getAttrOfType<StringAttr>(kTokenizerAttr);
  if (!attr)
    return "";
  if (llvm::sys::path::is_absolute(attr.getValue()))
    return attr.getValue().str();
  llvm::SmallString<256> path = llvm::sys::path::parent_path(modelPath);
  llvm::sys::path::append(path, attr.getValue());
  return std::string(path);
}
} // namespace awq::model
