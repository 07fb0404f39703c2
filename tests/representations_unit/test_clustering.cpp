// k-means, DBSCAN, agglomerative clustering and silhouette against
// scikit-learn / scipy on the same seeded data.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "neuralview/agglomerative.h"
#include "neuralview/dbscan.h"
#include "neuralview/embedding_quality.h"
#include "neuralview/kmeans.h"
#include "neuralview/silhouette.h"
#include "repr_test_support.h"

namespace nv {
namespace {

#define REQUIRE_ORACLE() \
  if (!test::oracle_available()) GTEST_SKIP() << "no oracle interpreter (python3 with scikit-learn)"

TEST(KMeans, MatchesScikitLearnLabelsAndInertia) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("kmeans");
  const auto meta = test::read_meta(dir);
  const std::vector<double> x = test::read_f64(dir + "/x.f64");
  KMeansOptions options;
  options.clusters = meta["k"];
  options.seed = 1;
  const KMeansResult ours = kmeans(x, meta["d"], options);
  const double ari = adjusted_rand_index(ours.labels, test::read_i64(dir + "/labels.i64"));
  std::cout << "k-means ARI vs scikit-learn: " << ari << ", inertia " << ours.inertia << " vs "
            << meta["inertia"].get<double>() << "\n";
  EXPECT_GE(ari, 0.95);
  // Both should reach the same (global) optimum of these well separated blobs.
  EXPECT_LE(ours.inertia, meta["inertia"].get<double>() * (1.0 + 1e-6));
  EXPECT_EQ(kmeans_predict(x, meta["d"], ours.centers), ours.labels);
}

TEST(KMeans, SeededRunsAreReproducibleAndRejectBadInput) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  std::vector<double> x(300 * 3);
  for (double& v : x) v = normal(rng);
  KMeansOptions options;
  options.clusters = 4;
  options.seed = 9;
  EXPECT_EQ(kmeans(x, 3, options).labels, kmeans(x, 3, options).labels);
  options.clusters = 301;
  EXPECT_THROW(kmeans(x, 3, options), std::invalid_argument);
  options.clusters = 0;
  EXPECT_THROW(kmeans(x, 3, options), std::invalid_argument);
  options.clusters = 2;
  EXPECT_THROW(kmeans(x, 7, options), std::invalid_argument);  // 900 values are not rows of 7
  x[5] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(kmeans(x, 3, options), std::invalid_argument);
  EXPECT_THROW(kmeans({}, 3, options), std::invalid_argument);
}

TEST(Dbscan, MatchesScikitLearnOnMoonsBlobsAndNoise) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("dbscan");
  const auto meta = test::read_meta(dir);
  DbscanOptions options;
  options.eps = meta["eps"];
  options.min_samples = meta["min_samples"];
  const DbscanResult ours = dbscan(test::read_f64(dir + "/x.f64"), meta["d"], options);
  const std::vector<int64_t> theirs = test::read_i64(dir + "/labels.i64");
  const double ari = adjusted_rand_index(ours.labels, theirs);
  std::cout << "DBSCAN ARI vs scikit-learn: " << ari << " (" << ours.clusters << " clusters)\n";
  EXPECT_GE(ari, 0.95);
  // Core points are defined without any order dependence: identical.
  const std::vector<int64_t> core = test::read_i64(dir + "/core.i64");
  for (size_t i = 0; i < core.size(); ++i) ASSERT_EQ(ours.core[i], core[i] == 1) << "point " << i;
  // Noise too (a border point reachable from any cluster is never noise).
  for (size_t i = 0; i < theirs.size(); ++i) ASSERT_EQ(ours.labels[i] == -1, theirs[i] == -1) << "point " << i;
}

TEST(Dbscan, RejectsBadParameters) {
  const std::vector<double> x{0, 0, 1, 1, 2, 2};
  EXPECT_THROW(dbscan(x, 2, {0.0, 2}), std::invalid_argument);
  EXPECT_THROW(dbscan(x, 2, {-1.0, 2}), std::invalid_argument);
  EXPECT_THROW(dbscan(x, 2, {1.0, 0}), std::invalid_argument);
  const DbscanResult all_noise = dbscan(x, 2, {0.5, 2});
  EXPECT_EQ(all_noise.clusters, 0u);
  EXPECT_EQ(all_noise.labels, (std::vector<int64_t>{-1, -1, -1}));
}

TEST(Agglomerative, MatchesScikitLearnAndScipyForEveryLinkage) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("agglomerative");
  const auto meta = test::read_meta(dir);
  const std::vector<double> x = test::read_f64(dir + "/x.f64");
  const size_t n = meta["n"], d = meta["d"], k = meta["k"];
  for (const std::string name : meta["linkages"]) {
    SCOPED_TRACE(name);
    const std::vector<Merge> merges = agglomerative_linkage(x, d, linkage_from_string(name));
    ASSERT_EQ(merges.size(), n - 1);
    // Merge heights are a property of the dendrogram, not of tie order: scipy's exactly.
    const std::vector<double> heights = test::read_f64(dir + "/heights_" + name + ".f64");
    for (size_t i = 0; i < heights.size(); ++i) ASSERT_NEAR(merges[i].distance, heights[i], 1e-9 * heights[i]);
    EXPECT_EQ(merges.back().size, n);
    const double ari =
        adjusted_rand_index(cut_dendrogram(merges, n, k), test::read_i64(dir + "/labels_" + name + ".i64"));
    EXPECT_GE(ari, 0.999);
  }
}

TEST(Agglomerative, HierarchicalOrderIsScipysLeafOrder) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("agglomerative");
  const std::vector<int64_t> expected = test::read_i64(dir + "/order.i64");
  const std::vector<size_t> order = hierarchical_order(test::read_f64(dir + "/distance.f64"), expected.size());
  ASSERT_EQ(order.size(), expected.size());
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], static_cast<size_t>(expected[i]));
}

TEST(Agglomerative, OrdersABlockConfusionMatrixIntoBlocksAndRejectsBadMatrices) {
  // Classes {0, 2, 4} confuse with each other, {1, 3} with each other.
  const size_t n = 5;
  std::vector<double> distance(n * n, 1.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      if (i == j || i % 2 == j % 2) distance[i * n + j] = i == j ? 0.0 : 0.2;
  const std::vector<size_t> order = hierarchical_order(distance, n);
  ASSERT_EQ(order.size(), n);
  // The parity changes exactly once along the order.
  int changes = 0;
  for (size_t i = 1; i < n; ++i) changes += order[i] % 2 != order[i - 1] % 2;
  EXPECT_EQ(changes, 1);
  EXPECT_THROW(hierarchical_order(distance, 4), std::invalid_argument);
  distance[1] = 0.7;  // asymmetric
  EXPECT_THROW(hierarchical_order(distance, n), std::invalid_argument);
  distance[1] = -1.0;
  distance[5] = -1.0;
  EXPECT_THROW(hierarchical_order(distance, n), std::invalid_argument);
  EXPECT_THROW(linkage_from_string("centroid"), std::invalid_argument);
}

TEST(Silhouette, MatchesScikitLearnIncludingSingletons) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("silhouette");
  const auto meta = test::read_meta(dir);
  const std::vector<double> x = test::read_f64(dir + "/x.f64");
  const std::vector<int64_t> labels = test::read_i64(dir + "/labels.i64");
  const std::vector<double> expected = test::read_f64(dir + "/samples.f64");
  const std::vector<double> ours = silhouette_samples(x, meta["d"], labels);
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_NEAR(ours[i], expected[i], 1e-10) << "point " << i;
  EXPECT_NEAR(silhouette_score(x, meta["d"], labels), meta["score"].get<double>(), 1e-10);
  // A random half of the points estimates the score.
  EXPECT_NEAR(silhouette_score(x, meta["d"], labels, 350, 1), meta["score"].get<double>(), 0.05);
  EXPECT_THROW(silhouette_score(x, meta["d"], std::vector<int64_t>(labels.size(), 3)), std::invalid_argument);
  EXPECT_THROW(silhouette_score(x, meta["d"], std::vector<int64_t>(3, 0)), std::invalid_argument);
}

TEST(AdjustedRandIndex, MatchesScikitLearn) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("ari");
  const auto meta = test::read_meta(dir);
  EXPECT_NEAR(adjusted_rand_index(test::read_i64(dir + "/a.i64"), test::read_i64(dir + "/b.i64")),
              meta["ari"].get<double>(), 1e-12);
  EXPECT_DOUBLE_EQ(adjusted_rand_index({0, 0, 1, 1}, {5, 5, 2, 2}), 1.0);
  EXPECT_THROW(adjusted_rand_index({0, 1}, {0}), std::invalid_argument);
}

}  // namespace
}  // namespace nv
