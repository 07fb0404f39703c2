// k-means: k-means++ seeding with greedy local trials (as scikit-learn),
// parallel Lloyd iterations, empty clusters relocated to the points farthest
// from their centres.
#include "neuralview/kmeans.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

#include "dbscan_kdtree.h"

namespace nv {
namespace {

// Small problems run serially: a fork/join per Lloyd step costs more than
// the step itself, the more so on a busy machine.
constexpr size_t parallel_work = 1u << 18;

double squared_distance(const double* a, const double* b, size_t dimension) {
  double sum = 0.0;
  for (size_t d = 0; d < dimension; ++d) {
    const double diff = a[d] - b[d];
    sum += diff * diff;
  }
  return sum;
}

// Greedy k-means++: each new centre is the best (lowest potential) of
// 2 + log(k) candidates drawn with probability proportional to D².
std::vector<double> kmeans_plus_plus(const std::vector<double>& points, size_t count, size_t dimension, size_t clusters,
                                     std::mt19937_64& rng) {
  std::vector<double> centers(clusters * dimension);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const size_t first = std::min(count - 1, static_cast<size_t>(uniform(rng) * static_cast<double>(count)));
  std::copy_n(&points[first * dimension], dimension, centers.begin());
  std::vector<double> closest(count);
#pragma omp parallel for schedule(static) if (count * dimension >= parallel_work)
  for (size_t i = 0; i < count; ++i) closest[i] = squared_distance(&points[i * dimension], &centers[0], dimension);
  const size_t trials = 2 + static_cast<size_t>(std::log(static_cast<double>(clusters)));
  std::vector<double> cumulative(count), candidate_distances(count);
  std::vector<double> best_distances(count);
  for (size_t c = 1; c < clusters; ++c) {
    std::partial_sum(closest.begin(), closest.end(), cumulative.begin());
    const double potential = cumulative.back();
    double best_potential = std::numeric_limits<double>::infinity();
    size_t best_candidate = 0;
    for (size_t t = 0; t < trials; ++t) {
      const double target = uniform(rng) * potential;
      size_t candidate =
          static_cast<size_t>(std::lower_bound(cumulative.begin(), cumulative.end(), target) - cumulative.begin());
      candidate = std::min(candidate, count - 1);
      const double* centre = &points[candidate * dimension];
      double candidate_potential = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : candidate_potential) if (count * dimension >= parallel_work)
      for (size_t i = 0; i < count; ++i) {
        candidate_distances[i] = std::min(closest[i], squared_distance(&points[i * dimension], centre, dimension));
        candidate_potential += candidate_distances[i];
      }
      if (candidate_potential < best_potential) {
        best_potential = candidate_potential;
        best_candidate = candidate;
        best_distances.swap(candidate_distances);
      }
    }
    closest.swap(best_distances);
    std::copy_n(&points[best_candidate * dimension], dimension,
                centers.begin() + static_cast<std::ptrdiff_t>(c * dimension));
  }
  return centers;
}

// Assigns each point to its nearest centre; returns the inertia.
double assign(const std::vector<double>& points, size_t count, size_t dimension, const std::vector<double>& centers,
              size_t clusters, std::vector<int64_t>& labels, std::vector<double>& distances) {
  double inertia = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : inertia) if (count * clusters * dimension >= parallel_work)
  for (size_t i = 0; i < count; ++i) {
    const double* p = &points[i * dimension];
    double best = std::numeric_limits<double>::infinity();
    size_t best_cluster = 0;
    for (size_t c = 0; c < clusters; ++c) {
      const double dist = squared_distance(p, &centers[c * dimension], dimension);
      if (dist < best) best = dist, best_cluster = c;
    }
    labels[i] = static_cast<int64_t>(best_cluster);
    distances[i] = best;
    inertia += best;
  }
  return inertia;
}

// New centres as cluster means; an empty cluster takes the point farthest
// from its current centre (scikit-learn's relocation).
void update_centers(const std::vector<double>& points, size_t count, size_t dimension, size_t clusters,
                    std::vector<int64_t>& labels, std::vector<double>& distances, std::vector<double>& centers) {
  const bool parallel = count * dimension >= parallel_work;
  const int threads = parallel ? omp_get_max_threads() : 1;
  std::vector<double> sums(static_cast<size_t>(threads) * clusters * dimension, 0.0);
  std::vector<size_t> sizes(static_cast<size_t>(threads) * clusters, 0);
#pragma omp parallel if (parallel) num_threads(threads)
  {
    const size_t t = static_cast<size_t>(omp_get_thread_num());
    double* my_sums = &sums[t * clusters * dimension];
    size_t* my_sizes = &sizes[t * clusters];
#pragma omp for schedule(static)
    for (size_t i = 0; i < count; ++i) {
      const size_t c = static_cast<size_t>(labels[i]);
      ++my_sizes[c];
      for (size_t d = 0; d < dimension; ++d) my_sums[c * dimension + d] += points[i * dimension + d];
    }
  }
  for (int t = 1; t < threads; ++t) {
    for (size_t j = 0; j < clusters * dimension; ++j)
      sums[j] += sums[static_cast<size_t>(t) * clusters * dimension + j];
    for (size_t c = 0; c < clusters; ++c) sizes[c] += sizes[static_cast<size_t>(t) * clusters + c];
  }
  for (size_t c = 0; c < clusters; ++c) {
    if (sizes[c] > 0) continue;
    // Relocate: the point farthest from its centre among clusters of size > 1.
    size_t far = count;
    double far_distance = -1.0;
    for (size_t i = 0; i < count; ++i)
      if (sizes[static_cast<size_t>(labels[i])] > 1 && distances[i] > far_distance)
        far_distance = distances[i], far = i;
    if (far == count) continue;
    const size_t old = static_cast<size_t>(labels[far]);
    for (size_t d = 0; d < dimension; ++d) {
      sums[old * dimension + d] -= points[far * dimension + d];
      sums[c * dimension + d] = points[far * dimension + d];
    }
    --sizes[old];
    sizes[c] = 1;
    labels[far] = static_cast<int64_t>(c);
    distances[far] = 0.0;
  }
  for (size_t c = 0; c < clusters; ++c)
    if (sizes[c] > 0)
      for (size_t d = 0; d < dimension; ++d)
        centers[c * dimension + d] = sums[c * dimension + d] / static_cast<double>(sizes[c]);
}

double mean_feature_variance(const std::vector<double>& points, size_t count, size_t dimension) {
  double total = 0.0;
  for (size_t d = 0; d < dimension; ++d) {
    double mean = 0.0;
    for (size_t i = 0; i < count; ++i) mean += points[i * dimension + d];
    mean /= static_cast<double>(count);
    double variance = 0.0;
    for (size_t i = 0; i < count; ++i) {
      const double diff = points[i * dimension + d] - mean;
      variance += diff * diff;
    }
    total += variance / static_cast<double>(count);
  }
  return total / static_cast<double>(dimension);
}

}  // namespace

KMeansResult kmeans(const std::vector<double>& points, size_t dimension, const KMeansOptions& options) {
  const size_t count = spatial::checked_point_count(points, dimension, "k-means");
  const size_t clusters = options.clusters;
  if (clusters == 0) throw std::invalid_argument("k-means: the number of clusters must be at least 1");
  if (clusters > count)
    throw std::invalid_argument("k-means: " + std::to_string(clusters) + " clusters requested but only " +
                                std::to_string(count) + " points given");
  if (options.n_init == 0) throw std::invalid_argument("k-means: n_init must be at least 1");
  if (options.max_iterations == 0) throw std::invalid_argument("k-means: max_iterations must be at least 1");

  const double tolerance = options.tolerance * mean_feature_variance(points, count, dimension);
  std::mt19937_64 rng(options.seed);
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  std::vector<int64_t> labels(count), previous(count);
  std::vector<double> distances(count);
  for (size_t run = 0; run < options.n_init; ++run) {
    std::vector<double> centers = kmeans_plus_plus(points, count, dimension, clusters, rng);
    size_t iteration = 0;
    for (; iteration < options.max_iterations;) {
      previous.swap(labels);
      assign(points, count, dimension, centers, clusters, labels, distances);
      ++iteration;
      if (iteration > 1 && labels == previous) {
        break;  // strict convergence: the centres would not move
      }
      const std::vector<double> old = centers;
      update_centers(points, count, dimension, clusters, labels, distances, centers);
      double shift = 0.0;
      for (size_t j = 0; j < centers.size(); ++j) shift += (centers[j] - old[j]) * (centers[j] - old[j]);
      if (shift <= tolerance) break;
    }
    // Labels consistent with the final centres.
    const double inertia = assign(points, count, dimension, centers, clusters, labels, distances);
    if (inertia < best.inertia) {
      best.inertia = inertia;
      best.labels = labels;
      best.centers = centers;
      best.iterations = iteration;
    }
  }
  return best;
}

std::vector<int64_t> kmeans_predict(const std::vector<double>& points, size_t dimension,
                                    const std::vector<double>& centers) {
  const size_t count = spatial::checked_point_count(points, dimension, "k-means predict");
  if (centers.empty() || centers.size() % dimension != 0)
    throw std::invalid_argument("k-means predict: the centres do not form rows of " + std::to_string(dimension) +
                                " features");
  std::vector<int64_t> labels(count);
  std::vector<double> distances(count);
  assign(points, count, dimension, centers, centers.size() / dimension, labels, distances);
  return labels;
}

}  // namespace nv
