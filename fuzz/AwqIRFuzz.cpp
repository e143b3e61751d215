//===- AwqIRFuzz.cpp - libFuzzer target: awq IR, text and bytecode --------===//
//
// What `awq-opt FILE` does before any pass: parse the input (MLIR text, or
// bytecode when it starts with the bytecode magic) with every dialect awq
// IR uses registered, and verify it, the awq ops' verifiers included.
// Diagnostics are swallowed; the parser must fail cleanly or succeed.
//
//===----------------------------------------------------------------------===//

#include "codegen/Pipelines.h"
#include "fuzz/FuzzInput.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/SourceMgr.h"

namespace {
mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    mlir::awq::registerAwqDialects(registry);
    auto *c = new mlir::MLIRContext(registry,
                                    mlir::MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext &ctx = context();
  mlir::ScopedDiagnosticHandler quiet(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(awq::fuzz::asBuffer(data, size), llvm::SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sources, &ctx);
  // The parser verified it; a second verification must agree.
  if (module && mlir::failed(mlir::verify(*module)))
    __builtin_trap();
  return 0;
}
