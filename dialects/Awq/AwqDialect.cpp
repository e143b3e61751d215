//===- AwqDialect.cpp - awq dialect registration ---------------------------===//
//
// Registers the awq dialect's operations and attributes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Awq/AwqDialect.h"
#include "dialects/Awq/AwqOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::awq;

#include "dialects/Awq/AwqOpsDialect.cpp.inc"
#include "dialects/Awq/AwqEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "dialects/Awq/AwqAttrs.cpp.inc"

void AwqDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Awq/AwqOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Awq/AwqAttrs.cpp.inc"
      >();
}
