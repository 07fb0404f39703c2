// Silhouette coefficient (Rousseeuw 1987) with Euclidean distances, as
// scikit-learn's silhouette_samples / silhouette_score: a point alone in its
// cluster scores 0. Exact O(n² · dimension), parallel over points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nv {

// Every distinct label value (including -1) is a cluster. Throws
// std::invalid_argument unless 2 <= distinct labels <= n - 1, or when labels
// and points disagree in count.
std::vector<double> silhouette_samples(const std::vector<double>& points, size_t dimension,
                                       const std::vector<int64_t>& labels);
// Mean of silhouette_samples. With sample_size > 0 (and < n) the mean over a
// seeded random subset of points, each still compared with all points.
double silhouette_score(const std::vector<double>& points, size_t dimension, const std::vector<int64_t>& labels,
                        size_t sample_size = 0, uint64_t seed = 0);

}  // namespace nv
