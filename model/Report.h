//===- Report.h - the per-layer calibration report -------------*- C++ -*-===//
//
// Turns awq-calibrate's JSON report into what a person reads: a text table
// (per layer and scaling group: the chosen ratio, the module-output error
// of RTN and of AWQ, their ratio; per linear: the share of clipped groups)
// and an SVG plot of the AWQ / RTN error ratio per layer and group.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_REPORT_H
#define AWQ_MODEL_REPORT_H

#include "llvm/Support/Error.h"

namespace awq::model {

llvm::Error writeReport(llvm::StringRef calibrationJson,
                        llvm::StringRef textOut, llvm::StringRef svgOut);

} // namespace awq::model

#endif // AWQ_MODEL_REPORT_H
