// Quality measures for embeddings and clusterings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nv {

// Trustworthiness (Venna & Kaski 2001) exactly as
// sklearn.manifold.trustworthiness with Euclidean distances: 1 minus the
// normalised rank penalty of embedded neighbours that are not original
// neighbours. O(n² · dimension) time, O(n) memory per thread.
// Throws std::invalid_argument when n_neighbors >= n / 2 or inputs disagree.
double trustworthiness(const std::vector<double>& original, size_t original_dimension,
                       const std::vector<double>& embedded, size_t embedded_dimension, size_t n_neighbors = 5);

// Adjusted Rand index (Hubert & Arabie 1985) of two labelings, as
// sklearn.metrics.adjusted_rand_score (noise label -1 is an ordinary label).
double adjusted_rand_index(const std::vector<int64_t>& labels_a, const std::vector<int64_t>& labels_b);

}  // namespace nv
