// Agglomerative (hierarchical) clustering with the nearest-neighbour-chain
// algorithm: O(n²) time and O(n²/2) memory for the condensed distance
// matrix, so meant for up to a few ten thousand points (cluster larger sets
// with k-means). Linkages follow scipy/scikit-learn: Ward (on Euclidean
// points), complete, average (UPGMA) and single.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nv {

enum class Linkage { ward, complete, average, single };
Linkage linkage_from_string(const std::string& name);  // "ward" | "complete" | "average" | "single"

// One merge of a dendrogram, in scipy's linkage-matrix convention: clusters
// 0..n-1 are the points, merge i creates cluster n + i.
struct Merge {
  size_t first = 0, second = 0;  // first < second
  double distance = 0.0;
  size_t size = 0;  // points in the new cluster
};

// The n-1 merges, sorted by distance (ties keep their creation order).
// Throws std::invalid_argument for fewer than 1 point, ragged or non-finite data.
std::vector<Merge> agglomerative_linkage(const std::vector<double>& points, size_t dimension, Linkage linkage);
// Same from a full symmetric n × n distance matrix (row-major). Ward then
// treats the entries as Euclidean distances. Throws std::invalid_argument for
// a wrong size, negative or non-finite entries, or an asymmetric matrix.
std::vector<Merge> agglomerative_linkage_from_distances(const std::vector<double>& distance_matrix, size_t n,
                                                        Linkage linkage);

// Flat clusters from a dendrogram: the state after the first n - clusters
// merges. Labels are 0..clusters-1 in order of each cluster's lowest point index.
std::vector<int64_t> cut_dendrogram(const std::vector<Merge>& merges, size_t n, size_t clusters);

// agglomerative_linkage + cut_dendrogram, like scikit-learn's AgglomerativeClustering.
std::vector<int64_t> agglomerative_clustering(const std::vector<double>& points, size_t dimension, size_t clusters,
                                              Linkage linkage = Linkage::ward);

// Leaf order of the dendrogram's left-to-right traversal (scipy's leaves_list):
// a permutation that puts similar items next to each other, e.g. to reorder
// the classes of a confusion matrix (pass 1 - normalised symmetric confusion
// as the distance). Uses average linkage.
std::vector<size_t> hierarchical_order(const std::vector<double>& distance_matrix, size_t n);
std::vector<size_t> dendrogram_leaf_order(const std::vector<Merge>& merges, size_t n);

}  // namespace nv
