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

OwningOpRef<ModuleOp> openModel(MLIRContext &context, llvm::StringRef path) {
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

llvm::Expected<std::unique_ptr<::awq::tok::Tokenizer>>
openTokenizer(ModuleOp module, llvm::StringRef modelPath,
              llvm::StringRef override, llvm::StringRef hint) {
  if (!override.empty())
    return ::awq::tok::Tokenizer::open(override);
  auto attr = module->getAttrOfType<StringAttr>(kTokenizerAttr);
  if (!attr)
    return llvm::createStringError("the model names no tokenizer; " + hint);
  if (llvm::sys::path::is_absolute(attr.getValue()))
    return ::awq::tok::Tokenizer::open(attr.getValue());
  llvm::SmallString<256> path = llvm::sys::path::parent_path(modelPath);
  llvm::sys::path::append(path, attr.getValue());
  return ::awq::tok::Tokenizer::open(path);
}

/// Byte offset of code point `index` of UTF-8 `text` (continuation bytes
/// are 10xxxxxx).
static size_t byteOffsetOfCodePoint(llvm::StringRef text, size_t index) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i)
    if ((uint8_t(text[i]) & 0xC0) != 0x80 && seen++ == index)
      return i;
  return text.size();
}

/// The offset `fraction` of the way through the text, counted in
/// characters (code points, as Python's len(str)), moved back to the start
/// of its line: the rule that reproduces the reference protocol's windows
/// (docs/model.md).
static size_t cutAtLine(llvm::StringRef text, double fraction) {
  size_t codePoints = 0;
  for (char c : text)
    codePoints += (uint8_t(c) & 0xC0) != 0x80;
  size_t at = byteOffsetOfCodePoint(text, size_t(fraction * codePoints));
  if (at == 0 || at >= text.size())
    return std::min(at, text.size());
  size_t newline = text.rfind('\n', at);
  return newline == llvm::StringRef::npos ? 0 : newline + 1;
}

llvm::Expected<llvm::StringRef> sliceText(llvm::StringRef text,
                                          llvm::StringRef slice) {
  auto [first, second] = slice.split(':');
  double start, end;
  if (first.getAsDouble(start) || second.getAsDouble(end) || start < 0 ||
      end > 1 || start >= end)
    return llvm::createStringError(
        "--slice expects START:END with 0 <= START < END <= 1, got '" + slice +
        "'");
  size_t from = cutAtLine(text, start), to = cutAtLine(text, end);
  return text.slice(from, to);
}

} // namespace awq::model
