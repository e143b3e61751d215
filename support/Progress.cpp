//===- Progress.cpp - a progress bar with ETA for long work ---------------===//

#include "support/Progress.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"

#include <algorithm>

using namespace awq;
using Clock = std::chrono::steady_clock;

std::string awq::formatDuration(double seconds) {
  if (seconds < 1)
    return llvm::formatv("{0:f3} s", seconds).str();
  if (seconds < 60)
    return llvm::formatv("{0:f1} s", seconds).str();
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s < 3600)
    return llvm::formatv("{0} m {1:d2} s", s / 60, s % 60).str();
  return llvm::formatv("{0} h {1:d2} m", s / 3600, (s % 3600) / 60).str();
}

ProgressBar::ProgressBar(llvm::StringRef label, int64_t total,
                         llvm::StringRef unit, llvm::raw_ostream &os)
    : label(label.str()), unit(unit.str()), total(std::max<int64_t>(total, 1)),
      os(os), interactive(llvm::sys::Process::StandardErrIsDisplayed()),
      start(Clock::now()), lastDraw(start - std::chrono::seconds(1)) {}

double ProgressBar::elapsedSeconds() const {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void ProgressBar::update(int64_t done, llvm::StringRef note) {
  if (interactive) {
    if (Clock::now() - lastDraw < std::chrono::milliseconds(100))
      return;
  } else {
    int64_t decile = done * 10 / total;
    if (decile == lastDecile)
      return;
    lastDecile = decile;
  }
  draw(done, note, /*final=*/false);
}

void ProgressBar::finish(llvm::StringRef note) {
  draw(total, note, /*final=*/true);
}

void ProgressBar::draw(int64_t done, llvm::StringRef note, bool final) {
  lastDraw = Clock::now();
  constexpr int kWidth = 30;
  double fraction = std::min(1.0, double(done) / double(total));
  int filled = static_cast<int>(fraction * kWidth);
  double elapsed = elapsedSeconds();
  std::string timing =
      final      ? "in " + formatDuration(elapsed)
      : done > 0 ? formatDuration(elapsed) + ", ETA " +
                       formatDuration(elapsed * (total - done) / double(done))
                 : formatDuration(elapsed);
  if (interactive)
    os << '\r';
  os << label << " [" << std::string(filled, '#')
     << std::string(kWidth - filled, '.') << "] " << done << "/" << total << " "
     << unit << "  " << timing;
  if (!note.empty())
    os << "  " << note;
  if (interactive && !final)
    os << "\x1b[K"; // clear what a longer previous line left
  else
    os << '\n';
  os.flush();
}
