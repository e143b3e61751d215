//===- Matrix.h - row-major f32 matrices of the CPU executor ----*- C++ -*-===//

#ifndef AWQ_MODEL_MATRIX_H
#define AWQ_MODEL_MATRIX_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace awq::model {

/// A row-major f32 matrix [rows, cols]: activations (one row per token) and
/// weights [N, K].
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;

  Matrix() = default;
  Matrix(int64_t rows, int64_t cols)
      : rows(rows), cols(cols), data(size_t(rows) * size_t(cols)) {}
  float *row(int64_t r) { return data.data() + r * cols; }
  const float *row(int64_t r) const { return data.data() + r * cols; }
  /// Appends `more`'s rows (an empty matrix takes its column count).
  void appendRows(const Matrix &more) {
    cols = more.cols;
    data.insert(data.end(), more.data.begin(), more.data.end());
    rows += more.rows;
  }
};

} // namespace awq::model

#endif // AWQ_MODEL_MATRIX_H
