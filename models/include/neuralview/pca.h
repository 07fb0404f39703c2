// Principal component analysis by eigen-decomposition of the covariance
// matrix (cyclic Jacobi, accurate to rounding): O(n·d² + d³), fine for any
// number of points and up to about a thousand features.
#pragma once

#include <cstddef>
#include <vector>

namespace nv {

struct PcaModel {
  size_t dimension = 0;                          // input features
  size_t components = 0;                         // kept components
  std::vector<double> mean;                      // dimension
  std::vector<double> basis;                     // components × dimension, rows are unit principal axes
  std::vector<double> explained_variance;        // eigenvalues of the covariance (n - 1 normalisation), descending
  std::vector<double> explained_variance_ratio;  // of the total variance
  // Sign convention: the largest-magnitude entry of each axis is positive.
};

// components == 0 keeps min(n, dimension). Throws std::invalid_argument for
// fewer than 2 points, a ragged or non-finite matrix, or components >
// min(n, dimension).
PcaModel pca_fit(const std::vector<double>& points, size_t dimension, size_t components = 0);
// Projects points onto the model's axes: count × components, row-major.
std::vector<double> pca_transform(const PcaModel& model, const std::vector<double>& points);

// Eigen-decomposition of a symmetric n × n matrix (row-major): eigenvalues
// descending, eigenvectors as rows of `vectors`. Throws for a non-square or
// asymmetric matrix.
void symmetric_eigen(const std::vector<double>& matrix, size_t n, std::vector<double>& values,
                     std::vector<double>& vectors);

}  // namespace nv
