// PCA, t-SNE, UMAP, trustworthiness and the neighbour search against
// scikit-learn / scipy and brute force.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

#include "dbscan_kdtree.h"
#include "neuralview/embedding_quality.h"
#include "neuralview/kmeans.h"
#include "neuralview/pca.h"
#include "neuralview/tsne.h"
#include "neuralview/umap.h"
#include "repr_test_support.h"

namespace nv {
namespace {

#define REQUIRE_ORACLE() \
  if (!test::oracle_available()) GTEST_SKIP() << "no oracle interpreter (python3 with scikit-learn)"

std::vector<double> gaussian_points(size_t count, size_t dimension, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> x(count * dimension);
  for (double& v : x) v = normal(rng);
  return x;
}

TEST(Pca, MatchesScikitLearnComponentsAndVariances) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("pca");
  const auto meta = test::read_meta(dir);
  const size_t d = meta["d"];
  const std::vector<double> x = test::read_f64(dir + "/x.f64");
  const PcaModel model = pca_fit(x, d);
  const std::vector<double> components = test::read_f64(dir + "/components.f64");
  const std::vector<double> variance = test::read_f64(dir + "/variance.f64");
  const std::vector<double> ratio = test::read_f64(dir + "/ratio.f64");
  const std::vector<double> mean = test::read_f64(dir + "/mean.f64");
  const std::vector<double> projected = test::read_f64(dir + "/projected.f64");
  ASSERT_EQ(model.components, d);
  for (size_t k = 0; k < d; ++k) {
    // Axes are defined up to sign.
    double dot = 0.0;
    for (size_t j = 0; j < d; ++j) dot += model.basis[k * d + j] * components[k * d + j];
    const double sign = dot < 0.0 ? -1.0 : 1.0;
    for (size_t j = 0; j < d; ++j) EXPECT_NEAR(sign * model.basis[k * d + j], components[k * d + j], 1e-6);
    EXPECT_NEAR(model.explained_variance[k], variance[k], 1e-6 * variance[0]);
    EXPECT_NEAR(model.explained_variance_ratio[k], ratio[k], 1e-6);
    const std::vector<double> ours = pca_transform(model, x);
    for (size_t i = 0; i < x.size() / d; i += 37)
      EXPECT_NEAR(sign * ours[i * d + k], projected[i * d + k], 1e-6 * std::sqrt(variance[0]));
  }
  for (size_t j = 0; j < d; ++j) EXPECT_NEAR(model.mean[j], mean[j], 1e-9);
}

TEST(Pca, RejectsBadInputAndHandlesRankDeficientData) {
  EXPECT_THROW(pca_fit({1.0, 2.0}, 2), std::invalid_argument);  // one point
  EXPECT_THROW(pca_fit(gaussian_points(10, 3, 1), 3, 4), std::invalid_argument);
  std::vector<double> values, vectors;
  EXPECT_THROW(symmetric_eigen({1, 2, 3, 4}, 2, values, vectors), std::invalid_argument);  // asymmetric
  // Points on a line in 3-D: one component carries all the variance.
  std::vector<double> line;
  for (int i = 0; i < 20; ++i) line.insert(line.end(), {1.0 * i, 2.0 * i, -1.0 * i});
  const PcaModel model = pca_fit(line, 3, 2);
  EXPECT_NEAR(model.explained_variance_ratio[0], 1.0, 1e-12);
  EXPECT_NEAR(model.explained_variance[1], 0.0, 1e-9);
  EXPECT_NEAR(std::abs(model.basis[1]), 2.0 / std::sqrt(6.0), 1e-12);
}

TEST(NeighborSearch, KdTreeAndBruteForceAgreeWithExhaustiveSearch) {
  for (size_t d : {3u, 40u}) {  // the tree, and the brute-force path for many features
    const size_t n = 400, k = 7;
    const std::vector<double> x = gaussian_points(n, d, d);
    const spatial::NeighborGraph graph = spatial::all_nearest_neighbors(x, d, k);
    for (size_t i = 0; i < n; i += 13) {
      std::vector<std::pair<double, uint32_t>> all;
      for (size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double s = 0.0;
        for (size_t c = 0; c < d; ++c) s += (x[i * d + c] - x[j * d + c]) * (x[i * d + c] - x[j * d + c]);
        all.push_back({s, static_cast<uint32_t>(j)});
      }
      std::sort(all.begin(), all.end());
      for (size_t a = 0; a < k; ++a) {
        EXPECT_EQ(graph.indices[i * k + a], all[a].second) << "d " << d << " point " << i;
        EXPECT_NEAR(graph.squared_distances[i * k + a], all[a].first, 1e-12 * all[a].first);
      }
      // Radius query between the 5th and 6th distance: the point itself and its 5 nearest.
      const spatial::KdTree tree(x.data(), n, d);
      std::vector<uint32_t> found;
      tree.within(&x[i * d], std::sqrt((all[4].first + all[5].first) / 2.0), found);
      EXPECT_EQ(found.size(), 6u);
    }
  }
}

TEST(Trustworthiness, EqualsScikitLearnOnItsOwnTsneEmbedding) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("tsne");
  const auto meta = test::read_meta(dir);
  const std::vector<double> x = test::read_f64(dir + "/x.f64");
  const std::vector<double> y = test::read_f64(dir + "/embedding.f64");
  // Digits are integer pixel values, so original distances tie often;
  // scikit-learn ranks ties in (unstable) argsort order, we by index. A tie
  // moves a rank by a few places: 1e-4 is about 60 rank places over all
  // 1000 x k neighbours, far below the 0.02 the t-SNE comparison allows.
  EXPECT_NEAR(trustworthiness(x, meta["d"], y, 2, 5), meta["trust5"].get<double>(), 1e-4);
  EXPECT_NEAR(trustworthiness(x, meta["d"], y, 2, 12), meta["trust12"].get<double>(), 1e-4);
  EXPECT_THROW(trustworthiness(x, meta["d"], y, 2, x.size()), std::invalid_argument);
  EXPECT_THROW(trustworthiness(x, meta["d"], std::vector<double>(10, 0.0), 2, 5), std::invalid_argument);
}

TEST(Tsne, TrustworthinessWithinTwoHundredthsOfScikitLearn) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("tsne");
  const auto meta = test::read_meta(dir);
  const size_t d = meta["d"];
  const std::vector<double> x = test::read_f64(dir + "/x.f64");
  TsneOptions options;
  options.seed = 0;
  const auto start = std::chrono::steady_clock::now();
  const TsneResult result = tsne(x, d, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(result.embedding.size(), x.size() / d * 2);
  const double ours = trustworthiness(x, d, result.embedding, 2, 5);
  const double theirs = meta["trust5"].get<double>();
  std::cout << "t-SNE trustworthiness (k=5) ours " << ours << ", scikit-learn " << theirs << ", KL "
            << result.kl_divergence << ", " << seconds << " s\n";
  EXPECT_GE(ours, theirs - 0.02);
  EXPECT_EQ(result.iterations, options.iterations);
  EXPECT_TRUE(std::isfinite(result.kl_divergence));
}

TEST(Tsne, ThreeComponentsCancellationAndBadInput) {
  const std::vector<double> x = gaussian_points(300, 5, 4);
  TsneOptions options;
  options.components = 3;
  options.perplexity = 10;
  options.iterations = 100;
  size_t calls = 0;
  options.progress = [&](size_t) { return ++calls < 1; };  // stop at the first report
  const TsneResult result = tsne(x, 5, options);
  EXPECT_EQ(result.embedding.size(), 900u);
  EXPECT_EQ(result.iterations, 50u);
  for (double v : result.embedding) ASSERT_TRUE(std::isfinite(v));
  options.components = 4;
  EXPECT_THROW(tsne(x, 5, options), std::invalid_argument);
  options.components = 2;
  options.perplexity = 300;
  EXPECT_THROW(tsne(x, 5, options), std::invalid_argument);
  EXPECT_THROW(tsne({1, 2, 3}, 1, {}), std::invalid_argument);
}

TEST(Umap, CurveParametersMatchScipyFit) {
  REQUIRE_ORACLE();
  const auto meta = test::read_meta(test::oracle_case("umap_ab"));
  for (const auto& [spread, min_dist] : std::vector<std::pair<double, double>>{{1.0, 0.1}, {1.0, 0.5}, {2.0, 0.0}}) {
    double a = 0, b = 0;
    umap_curve_parameters(spread, min_dist, a, b);
    std::ostringstream key;
    key << spread << (spread == std::floor(spread) ? ".0" : "") << "_" << min_dist
        << (min_dist == std::floor(min_dist) ? ".0" : "");
    const auto expected = meta.at(key.str());
    EXPECT_NEAR(a, expected[0].get<double>(), 1e-4 * expected[0].get<double>()) << key.str();
    EXPECT_NEAR(b, expected[1].get<double>(), 1e-4 * expected[1].get<double>()) << key.str();
  }
}

TEST(Umap, PreservesNeighbourhoodsAndClustersOfBlobs) {
  REQUIRE_ORACLE();
  const std::string dir = test::oracle_case("kmeans");
  const auto meta = test::read_meta(dir);
  const size_t d = meta["d"];
  const std::vector<double> x = test::read_f64(dir + "/x.f64");
  UmapOptions options;
  options.seed = 3;
  options.epochs = 200;
  const UmapResult result = umap(x, d, options);
  const double trust = trustworthiness(x, d, result.embedding, 2, 10);
  // The blobs are separated: k-means in the embedding finds the same clusters.
  KMeansOptions clustering;
  clustering.clusters = meta["k"];
  const double ari =
      adjusted_rand_index(kmeans(result.embedding, 2, clustering).labels, test::read_i64(dir + "/labels.i64"));
  std::cout << "UMAP on 2000 blobs: trustworthiness " << trust << ", cluster ARI " << ari << "\n";
  EXPECT_GE(trust, 0.9);
  EXPECT_GE(ari, 0.95);
  // Deterministic for a seed (on a subset, to keep the test short).
  const std::vector<double> subset(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(300 * d));
  options.epochs = 50;
  EXPECT_EQ(umap(subset, d, options).embedding, umap(subset, d, options).embedding);
  options.neighbors = 1;
  EXPECT_THROW(umap(x, d, options), std::invalid_argument);
}

}  // namespace
}  // namespace nv

namespace nv {
namespace {

TEST(Degenerate, IdenticalPointsGiveFiniteResults) {
  const std::vector<double> same(60 * 3, 1.5);
  TsneOptions tsne_options;
  tsne_options.perplexity = 5;
  tsne_options.iterations = 60;
  for (double v : tsne(same, 3, tsne_options).embedding) ASSERT_TRUE(std::isfinite(v));
  UmapOptions umap_options;
  umap_options.epochs = 10;
  for (double v : umap(same, 3, umap_options).embedding) ASSERT_TRUE(std::isfinite(v));
  KMeansOptions kmeans_options;
  kmeans_options.clusters = 3;
  EXPECT_EQ(kmeans(same, 3, kmeans_options).inertia, 0.0);
  const PcaModel model = pca_fit(same, 3, 2);
  EXPECT_EQ(model.explained_variance[0], 0.0);
}

}  // namespace
}  // namespace nv
