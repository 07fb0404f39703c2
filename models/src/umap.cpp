// UMAP after umap-learn: fuzzy simplicial set from exact kNN, then the SGD
// layout of _optimize_layout_euclidean (attractive updates per edge sampled
// by weight, negative samples drawn uniformly, gradients clipped to ±4,
// learning rate decaying linearly).
#include "neuralview/umap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "dbscan_kdtree.h"
#include "neuralview/pca.h"

namespace nv {

void umap_curve_parameters(double spread, double min_dist, double& a, double& b) {
  if (!(spread > 0.0) || !(min_dist >= 0.0) || min_dist > spread)
    throw std::invalid_argument("UMAP: needs spread > 0 and 0 <= min_dist <= spread");
  constexpr int samples = 300;
  std::vector<double> x(samples), y(samples);
  for (int s = 0; s < samples; ++s) {
    x[s] = 3.0 * spread * s / (samples - 1);
    y[s] = x[s] < min_dist ? 1.0 : std::exp(-(x[s] - min_dist) / spread);
  }
  // Levenberg-Marquardt on f(x) = 1 / (1 + a x^(2b)).
  auto cost = [&](double pa, double pb) {
    double sum = 0.0;
    for (int s = 0; s < samples; ++s) {
      const double u = x[s] > 0.0 ? std::pow(x[s], 2.0 * pb) : 0.0;
      const double r = 1.0 / (1.0 + pa * u) - y[s];
      sum += r * r;
    }
    return sum;
  };
  a = 1.0, b = 1.0;
  double lambda = 1e-3, current = cost(a, b);
  for (int iteration = 0; iteration < 200; ++iteration) {
    double jaa = 0.0, jab = 0.0, jbb = 0.0, ga = 0.0, gb = 0.0;
    for (int s = 0; s < samples; ++s) {
      if (x[s] <= 0.0) continue;  // f = 1 there for any a, b
      const double u = std::pow(x[s], 2.0 * b);
      const double denominator = (1.0 + a * u) * (1.0 + a * u);
      const double r = 1.0 / (1.0 + a * u) - y[s];
      const double da = -u / denominator;
      const double db = -a * u * 2.0 * std::log(x[s]) / denominator;
      jaa += da * da, jab += da * db, jbb += db * db;
      ga += da * r, gb += db * r;
    }
    bool improved = false;
    for (int attempt = 0; attempt < 20 && !improved; ++attempt) {
      const double maa = jaa * (1.0 + lambda), mbb = jbb * (1.0 + lambda);
      const double determinant = maa * mbb - jab * jab;
      if (determinant == 0.0) break;
      const double step_a = -(mbb * ga - jab * gb) / determinant;
      const double step_b = -(maa * gb - jab * ga) / determinant;
      const double trial = cost(a + step_a, b + step_b);
      if (trial < current && a + step_a > 0.0 && b + step_b > 0.0) {
        const double gain = current - trial;
        a += step_a, b += step_b, current = trial;
        lambda = std::max(lambda / 10.0, 1e-12);
        improved = true;
        if (gain < 1e-15) iteration = 200;
      } else {
        lambda *= 10.0;
      }
    }
    if (!improved) break;
  }
}

namespace {

struct Edge {
  uint32_t head, tail;
  double weight;
};

// Fuzzy simplicial set: memberships exp(-(d - rho_i) / sigma_i) on the
// k - 1 nearest others, symmetrised by the probabilistic union a + b - ab.
std::vector<Edge> fuzzy_graph(const std::vector<double>& points, size_t dimension, size_t count, size_t neighbors) {
  const size_t k = neighbors - 1;  // umap-learn counts the point itself
  const spatial::NeighborGraph graph = spatial::all_nearest_neighbors(points, dimension, k);
  std::vector<double> distances(count * k);
  for (size_t e = 0; e < distances.size(); ++e) distances[e] = std::sqrt(graph.squared_distances[e]);
  double mean_all = 0.0;
  for (double d : distances) mean_all += d;
  mean_all /= static_cast<double>(count * (k + 1));
  const double target = std::log2(static_cast<double>(neighbors));
  std::vector<double> membership(count * k);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < count; ++i) {
    const double* d = &distances[i * k];
    double rho = 0.0;
    for (size_t j = 0; j < k; ++j)
      if (d[j] > 0.0) {
        rho = d[j];
        break;
      }
    double low = 0.0, high = std::numeric_limits<double>::infinity(), mid = 1.0;
    for (int step = 0; step < 64; ++step) {
      double sum = 0.0;
      for (size_t j = 0; j < k; ++j) {
        const double gap = d[j] - rho;
        sum += gap > 0.0 ? std::exp(-gap / mid) : 1.0;
      }
      if (std::abs(sum - target) < 1e-5) break;
      if (sum > target) {
        high = mid;
        mid = (low + high) / 2.0;
      } else {
        low = mid;
        mid = std::isinf(high) ? mid * 2.0 : (low + high) / 2.0;
      }
    }
    double mean_i = 0.0;
    for (size_t j = 0; j < k; ++j) mean_i += d[j];
    mean_i /= static_cast<double>(k + 1);  // umap-learn's mean includes the zero self-distance
    const double sigma = std::max(mid, 1e-3 * (rho > 0.0 ? mean_i : mean_all));
    for (size_t j = 0; j < k; ++j) {
      const double gap = d[j] - rho;
      membership[i * k + j] = gap <= 0.0 ? 1.0 : std::exp(-gap / sigma);
    }
  }
  // Union: for each ordered pair the forward and backward memberships.
  struct Half {
    uint32_t other;
    double forward, backward;
  };
  std::vector<std::vector<Half>> rows(count);
  for (size_t i = 0; i < count; ++i)
    for (size_t j = 0; j < k; ++j) {
      const uint32_t other = graph.indices[i * k + j];
      rows[i].push_back({other, membership[i * k + j], 0.0});
      rows[other].push_back({static_cast<uint32_t>(i), 0.0, membership[i * k + j]});
    }
  std::vector<Edge> edges;
  for (size_t i = 0; i < count; ++i) {
    auto& row = rows[i];
    std::sort(row.begin(), row.end(), [](const Half& x, const Half& y) { return x.other < y.other; });
    for (size_t e = 0; e < row.size();) {
      double forward = 0.0, backward = 0.0;
      const uint32_t other = row[e].other;
      for (; e < row.size() && row[e].other == other; ++e) forward += row[e].forward, backward += row[e].backward;
      const double weight = forward + backward - forward * backward;
      if (weight > 0.0) edges.push_back({static_cast<uint32_t>(i), other, weight});
    }
  }
  return edges;
}

std::vector<double> initial_layout(const std::vector<double>& points, size_t dimension, size_t count, size_t components,
                                   std::mt19937_64& rng) {
  std::vector<double> y;
  if (dimension >= components) {
    y = pca_transform(pca_fit(points, dimension, components), points);
  } else {
    std::uniform_real_distribution<double> uniform(-10.0, 10.0);
    y.resize(count * components);
    for (double& v : y) v = uniform(rng);
  }
  // umap-learn: scale to max |coordinate| 10 with a little noise, then each
  // axis to [0, 10].
  double largest = 0.0;
  for (double v : y) largest = std::max(largest, std::abs(v));
  std::normal_distribution<double> noise(0.0, 1e-4);
  for (double& v : y) v = (largest > 0.0 ? v * 10.0 / largest : v) + noise(rng);
  for (size_t d = 0; d < components; ++d) {
    double low = std::numeric_limits<double>::infinity(), high = -low;
    for (size_t i = 0; i < count; ++i)
      low = std::min(low, y[i * components + d]), high = std::max(high, y[i * components + d]);
    const double range = high > low ? high - low : 1.0;
    for (size_t i = 0; i < count; ++i) y[i * components + d] = 10.0 * (y[i * components + d] - low) / range;
  }
  return y;
}

double clip(double value) { return std::max(-4.0, std::min(4.0, value)); }

}  // namespace

UmapResult umap(const std::vector<double>& points, size_t dimension, const UmapOptions& options) {
  const size_t count = spatial::checked_point_count(points, dimension, "UMAP");
  if (count < 3) throw std::invalid_argument("UMAP: needs at least 3 points, got " + std::to_string(count));
  if (options.neighbors < 2 || options.neighbors >= count)
    throw std::invalid_argument("UMAP: neighbors must be between 2 and the number of points - 1, got " +
                                std::to_string(options.neighbors));
  if (options.components == 0) throw std::invalid_argument("UMAP: components must be at least 1");
  if (!(options.learning_rate > 0.0) || !(options.negative_sample_rate >= 0.0))
    throw std::invalid_argument("UMAP: learning_rate must be positive and negative_sample_rate non-negative");
  UmapResult result;
  umap_curve_parameters(options.spread, options.min_dist, result.a, result.b);
  const double a = result.a, b = result.b;
  const size_t epochs = options.epochs > 0 ? options.epochs : (count <= 10000 ? 500 : 200);
  const size_t components = options.components;

  std::vector<Edge> edges = fuzzy_graph(points, dimension, count, options.neighbors);
  double strongest = 0.0;
  for (const Edge& e : edges) strongest = std::max(strongest, e.weight);
  // umap-learn drops edges too weak to be sampled once in all epochs.
  const double floor = strongest / static_cast<double>(epochs);
  edges.erase(std::remove_if(edges.begin(), edges.end(), [&](const Edge& e) { return e.weight < floor; }), edges.end());

  std::mt19937_64 rng(options.seed);
  std::vector<double> y = initial_layout(points, dimension, count, components, rng);
  const size_t edge_count = edges.size();
  std::vector<double> epochs_per_sample(edge_count), next_sample(edge_count), epochs_per_negative(edge_count),
      next_negative(edge_count);
  for (size_t e = 0; e < edge_count; ++e) {
    epochs_per_sample[e] = strongest / edges[e].weight;
    next_sample[e] = epochs_per_sample[e];
    epochs_per_negative[e] = options.negative_sample_rate > 0.0 ? epochs_per_sample[e] / options.negative_sample_rate
                                                                : std::numeric_limits<double>::infinity();
    next_negative[e] = epochs_per_negative[e];
  }
  std::uniform_int_distribution<size_t> random_vertex(0, count - 1);
  const double gamma = options.repulsion_strength;
  std::vector<double> delta(components);
  size_t epoch = 0;
  for (; epoch < epochs; ++epoch) {
    const double alpha = options.learning_rate * (1.0 - static_cast<double>(epoch) / static_cast<double>(epochs));
    const double now = static_cast<double>(epoch);
    for (size_t e = 0; e < edge_count; ++e) {
      if (next_sample[e] > now) continue;
      double* current = &y[static_cast<size_t>(edges[e].head) * components];
      double* other = &y[static_cast<size_t>(edges[e].tail) * components];
      double d2 = 0.0;
      for (size_t d = 0; d < components; ++d) d2 += (current[d] - other[d]) * (current[d] - other[d]);
      if (d2 > 0.0) {
        const double coefficient = -2.0 * a * b * std::pow(d2, b - 1.0) / (a * std::pow(d2, b) + 1.0);
        for (size_t d = 0; d < components; ++d) {
          const double g = clip(coefficient * (current[d] - other[d]));
          current[d] += g * alpha;
          other[d] -= g * alpha;
        }
      }
      next_sample[e] += epochs_per_sample[e];
      const double due = (now - next_negative[e]) / epochs_per_negative[e];
      const size_t negatives = due > 0.0 ? static_cast<size_t>(due) : 0;
      for (size_t s = 0; s < negatives; ++s) {
        const size_t k = random_vertex(rng);
        if (k == edges[e].head) continue;
        const double* sample = &y[k * components];
        double n2 = 0.0;
        for (size_t d = 0; d < components; ++d) n2 += (current[d] - sample[d]) * (current[d] - sample[d]);
        if (n2 <= 0.0) continue;
        const double coefficient = 2.0 * gamma * b / ((0.001 + n2) * (a * std::pow(n2, b) + 1.0));
        for (size_t d = 0; d < components; ++d) current[d] += clip(coefficient * (current[d] - sample[d])) * alpha;
      }
      if (negatives > 0) next_negative[e] += static_cast<double>(negatives) * epochs_per_negative[e];
    }
    if (options.progress && !options.progress(epoch + 1)) {
      ++epoch;
      break;
    }
  }
  result.epochs = epoch;
  result.embedding = std::move(y);
  return result;
}

}  // namespace nv
