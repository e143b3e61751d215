//===- ModelFile.h - open a model for the whole-model tools -----*- C++ -*-===//
//
// awq-run and awq-eval take either model IR (.mlir, as awq-import writes
// it) or a checkpoint (imported on the fly, Checkpoint.h); both come back
// as a verified module. The tokenizer is the one the module names
// (`awq.tokenizer`, relative to the IR file), unless the user names one.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_MODELFILE_H
#define AWQ_MODEL_MODELFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"

#include "tokenizer/Tokenizer.h"

#include <memory>
#include <string>

namespace awq::model {

/// The dialects model IR uses (awq, func, arith, and the tensor/linalg ops
/// of the weight expressions the AWQ passes build).
void registerModelDialects(mlir::DialectRegistry &registry);

/// Parses `path` if it names a .mlir/.mlirbc file, otherwise reads it as a
/// checkpoint and builds its model IR; errors go to the context's
/// diagnostic handler (printed by the tools) and yield null.
mlir::OwningOpRef<mlir::ModuleOp> openModel(mlir::MLIRContext &context,
                                            llvm::StringRef path);

/// The tokenizer of the model at `modelPath`: the file `override` names if
/// given, else the module's `awq.tokenizer` resolved against the IR file's
/// directory. When neither exists the error says so and ends with `hint`
/// (how this caller's user names one).
llvm::Expected<std::unique_ptr<::awq::tok::Tokenizer>>
openTokenizer(mlir::ModuleOp module, llvm::StringRef modelPath,
              llvm::StringRef override, llvm::StringRef hint);

/// The part START:END (fractions of the text's characters, i.e. code
/// points, each cut moved back to the start of its line) of `text`;
/// `spec` is "START:END".
llvm::Expected<llvm::StringRef> sliceText(llvm::StringRef text,
                                          llvm::StringRef spec);

} // namespace awq::model

#endif // AWQ_MODEL_MODELFILE_H
