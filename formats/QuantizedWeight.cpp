//===- QuantizedWeight.cpp - a group-quantized weight ---------------------===//

#include "formats/QuantizedWeight.h"
#include "formats/Half.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <thread>

using namespace awq::formats;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error awq::formats::validate(const QuantizedWeight &w) {
  if (w.n <= 0 || w.k <= 0 || w.groupSize <= 0 || w.k % w.groupSize != 0)
    return makeError(llvm::formatv(
        "invalid weight shape: n={0} k={1} group_size={2} (group_size must "
        "divide k)",
        w.n, w.k, w.groupSize));
  if (w.bits != 4 && w.bits != 8)
    return makeError("bits must be 4 or 8, got " + llvm::Twine(w.bits));
  size_t elements = static_cast<size_t>(w.n * w.k);
  size_t groups = static_cast<size_t>(w.n * w.numGroups());
  if (w.q.size() != elements)
    return makeError(llvm::formatv("q has {0} elements, expected n*k = {1}",
                                   w.q.size(), elements));
  if (w.scales.size() != groups)
    return makeError(
        llvm::formatv("scales has {0} elements, expected n*k/group_size = {1}",
                      w.scales.size(), groups));
  if (!w.zeros.empty() && w.zeros.size() != groups)
    return makeError(
        llvm::formatv("zeros has {0} elements, expected n*k/group_size = {1}",
                      w.zeros.size(), groups));
  int maxQ = (1 << w.bits) - 1;
  for (size_t i = 0; i < elements; ++i)
    if (w.q[i] > maxQ)
      return makeError(llvm::formatv("q[{0}] = {1} exceeds {2} for {3} bits", i,
                                     w.q[i], maxQ, w.bits));
  for (size_t i = 0; i < w.zeros.size(); ++i)
    if (w.zeros[i] > maxQ)
      return makeError(
          llvm::formatv("zeros[{0}] = {1} exceeds {2}", i, w.zeros[i], maxQ));
  return llvm::Error::success();
}

std::vector<float> awq::formats::dequantize(const QuantizedWeight &qw) {
  std::vector<float> out(qw.n * qw.k);
  int64_t groups = qw.numGroups();
  for (int64_t row = 0; row < qw.n; ++row)
    for (int64_t c = 0; c < qw.k; ++c) {
      int64_t gi = row * groups + c / qw.groupSize;
      out[row * qw.k + c] = (float(qw.q[row * qw.k + c]) -
                             float(qw.zeroAt(row, c / qw.groupSize))) *
                            qw.scales[gi];
    }
  return out;
}

//===----------------------------------------------------------------------===//
// Reference
//===----------------------------------------------------------------------===//

void awq::formats::referenceLinear(const std::vector<int64_t> &rows,
                                   const uint16_t *x, DType dtype,
                                   const QuantizedWeight &w,
                                   const uint16_t *bias, double *y,
                                   unsigned threads) {
  const int64_t n = w.n, k = w.k, groups = w.numGroups();
  const size_t numRows = rows.size();
  // The selected rows of x as doubles, once.
  std::vector<double> xs(numRows * k);
  for (size_t r = 0; r < numRows; ++r)
    for (int64_t c = 0; c < k; ++c)
      xs[r * k + c] = decodeHalf(x[rows[r] * k + c], dtype);

  // Each worker dequantizes its output channels one at a time (no [N,K]
  // What buffer: test layers can be Llama-sized) and dots them with x.
  auto work = [&](int64_t begin, int64_t end) {
    std::vector<double> wrow(k);
    for (int64_t o = begin; o < end; ++o) {
      for (int64_t g = 0; g < groups; ++g) {
        double s = w.scales[o * groups + g];
        double z = w.zeroAt(o, g);
        for (int64_t c = g * w.groupSize; c < (g + 1) * w.groupSize; ++c)
          wrow[c] = (static_cast<double>(w.q[o * k + c]) - z) * s;
      }
      double b = bias ? decodeHalf(bias[o], dtype) : 0.0;
      for (size_t r = 0; r < numRows; ++r) {
        const double *xr = &xs[r * k];
        double acc = 0;
        for (int64_t c = 0; c < k; ++c)
          acc += xr[c] * wrow[c];
        y[r * n + o] = acc + b;
      }
    }
  };
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<int64_t>(threads, n));
  if (threads <= 1) {
    work(0, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t chunk = (n + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    int64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin < end)
      pool.emplace_back(work, begin, end);
  }
  for (std::thread &t : pool)
    t.join();
}
