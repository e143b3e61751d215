//===- Passes.h - awq codegen passes -----------------------------*- C++ -*-===//
//
// Declarations and registration of the awq codegen passes.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_PASSES_H
#define AWQ_CODEGEN_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::awq {

#define GEN_PASS_DECL
#include "codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/Passes.h.inc"

/// Shared memory a block may use with PTX for `chip`: 227 KiB for sm_90,
/// 99 KiB for sm_80/86/89 (sm_80 PTX also runs on sm_86/89 devices), else
/// the 48 KiB of static shared memory.
int64_t sharedBytesLimit(StringRef chip);

} // namespace mlir::awq

#endif // AWQ_CODEGEN_PASSES_H
