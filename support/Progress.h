//===- Progress.h - a progress bar with ETA for long work -------*- C++ -*-===//
//
// Long steps (loading weights, perplexity windows, calibration) report their
// progress with one bar on stderr. On a terminal the bar redraws in place at
// most ten times a second; elsewhere (CI logs, pipes) it prints a line at
// every tenth of the work, so logs stay short.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_SUPPORT_PROGRESS_H
#define AWQ_SUPPORT_PROGRESS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace awq {

class ProgressBar {
public:
  /// `unit` names what is counted ("windows", "layers").
  ProgressBar(llvm::StringRef label, int64_t total, llvm::StringRef unit,
              llvm::raw_ostream &os = llvm::errs());
  /// Records that `done` of `total` items are finished; `note` is appended
  /// (a rate, a running value).
  void update(int64_t done, llvm::StringRef note = "");
  /// Ends the bar with the elapsed time.
  void finish(llvm::StringRef note = "");
  /// Seconds since construction.
  double elapsedSeconds() const;

private:
  void draw(int64_t done, llvm::StringRef note, bool final);

  std::string label, unit;
  int64_t total;
  llvm::raw_ostream &os;
  bool interactive;
  std::chrono::steady_clock::time_point start, lastDraw;
  int64_t lastDecile = -1;
};

/// "1 m 05 s", "12.3 s".
std::string formatDuration(double seconds);

} // namespace awq

#endif // AWQ_SUPPORT_PROGRESS_H
