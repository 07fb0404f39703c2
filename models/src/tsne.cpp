// Barnes-Hut t-SNE optimiser, following scikit-learn's _gradient_descent
// and _kl_divergence_bh: gradient 4·(exaggeration·F_attr − F_rep / Z),
// momentum with per-coordinate gains (+0.2 / ×0.8, floor 0.01).
#include "neuralview/tsne.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "dbscan_kdtree.h"
#include "neuralview/pca.h"
#include "tsne_internal.h"

namespace nv {
namespace {

using tsne_detail::SpaceTree;

// Below this many points an iteration is too short to share between threads.
constexpr size_t parallel_threshold = 4096;
using tsne_detail::SparseAffinities;

std::vector<double> initial_embedding(const std::vector<double>& points, size_t dimension, size_t count,
                                      const TsneOptions& options) {
  const size_t components = options.components;
  std::vector<double> y;
  if (options.pca_init && dimension >= components) {
    const PcaModel model = pca_fit(points, dimension, components);
    y = pca_transform(model, points);
    // scikit-learn: scale so that the first coordinate has std 1e-4.
    double mean = 0.0, variance = 0.0;
    for (size_t i = 0; i < count; ++i) mean += y[i * components];
    mean /= static_cast<double>(count);
    for (size_t i = 0; i < count; ++i) variance += (y[i * components] - mean) * (y[i * components] - mean);
    const double deviation = std::sqrt(variance / static_cast<double>(count));
    const double scale = deviation > 0.0 ? 1e-4 / deviation : 1.0;
    for (double& v : y) v *= scale;
    return y;
  }
  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal(0.0, 1e-4);
  y.resize(count * components);
  for (double& v : y) v = normal(rng);
  return y;
}

template <size_t D>
class Optimizer {
 public:
  Optimizer(const SparseAffinities& p, size_t count, double theta) : p_(p), count_(count), theta_(theta) {}

  // Gradient of KL(P || Q) at y, with P scaled by exaggeration. One parallel
  // region per iteration, and none for small sets: on a busy machine every
  // fork/join can cost a scheduler time slice, more than a small iteration.
  void gradient(const std::vector<double>& y, double exaggeration, std::vector<double>& grad) {
    tree_.build(y, count_);
    sum_q_.resize(count_);
    repulsive_.resize(count_ * D);
    double z = 0.0;
#pragma omp parallel if (count_ >= parallel_threshold)
    {
#pragma omp for schedule(dynamic, 256)
      for (size_t k = 0; k < count_; ++k) {
        const size_t i = tree_.spatial_order()[k];
        sum_q_[i] = tree_.repulsion(i, &y[i * D], theta_, &repulsive_[i * D]);
      }
#pragma omp single
      // Serial sum: the same result for any thread schedule.
      z = std::max(std::accumulate(sum_q_.begin(), sum_q_.end(), 0.0), std::numeric_limits<double>::min());
#pragma omp for schedule(static)
      for (size_t i = 0; i < count_; ++i) {
        double attractive[D] = {};
        for (size_t e = p_.row_start[i]; e < p_.row_start[i + 1]; ++e) {
          const size_t j = p_.columns[e];
          double diff[D], d2 = 0.0;
          for (size_t d = 0; d < D; ++d) {
            diff[d] = y[i * D + d] - y[j * D + d];
            d2 += diff[d] * diff[d];
          }
          const double weight = p_.values[e] / (1.0 + d2);
          for (size_t d = 0; d < D; ++d) attractive[d] += weight * diff[d];
        }
        for (size_t d = 0; d < D; ++d)
          grad[i * D + d] = 4.0 * (exaggeration * attractive[d] - repulsive_[i * D + d] / z);
      }
    }
    last_z_ = z;
  }

  // KL(P || Q) with the normaliser Z of the last gradient (Barnes-Hut estimate).
  double divergence(const std::vector<double>& y) const {
    double kl = 0.0;
    const double eps = std::numeric_limits<double>::epsilon();
#pragma omp parallel for schedule(static) reduction(+ : kl) if (count_ >= parallel_threshold)
    for (size_t i = 0; i < count_; ++i)
      for (size_t e = p_.row_start[i]; e < p_.row_start[i + 1]; ++e) {
        const size_t j = p_.columns[e];
        double d2 = 0.0;
        for (size_t d = 0; d < D; ++d) d2 += (y[i * D + d] - y[j * D + d]) * (y[i * D + d] - y[j * D + d]);
        const double q = 1.0 / (1.0 + d2) / last_z_;
        const double p = p_.values[e];
        kl += p * std::log(std::max(p, eps) / std::max(q, eps));
      }
    return kl;
  }

 private:
  const SparseAffinities& p_;
  size_t count_;
  double theta_;
  SpaceTree<D> tree_;
  std::vector<double> sum_q_, repulsive_;
  double last_z_ = 1.0;
};

template <size_t D>
TsneResult optimize(const SparseAffinities& p, std::vector<double> y, size_t count, const TsneOptions& options) {
  Optimizer<D> optimizer(p, count, options.theta);
  const double learning_rate = options.learning_rate > 0.0
                                   ? options.learning_rate
                                   : std::max(static_cast<double>(count) / options.early_exaggeration / 4.0, 50.0);
  std::vector<double> grad(count * D), update(count * D, 0.0), gains(count * D, 1.0);
  TsneResult result;
  size_t iteration = 0;
  for (; iteration < options.iterations; ++iteration) {
    const bool exploring = iteration < options.exaggeration_iterations;
    const double exaggeration = exploring ? options.early_exaggeration : 1.0;
    const double momentum = exploring ? 0.5 : 0.8;
    optimizer.gradient(y, exaggeration, grad);
#pragma omp parallel for schedule(static) if (count >= parallel_threshold)
    for (size_t k = 0; k < count * D; ++k) {
      const bool same_sign = update[k] * grad[k] >= 0.0;  // scikit-learn: inc = update * grad < 0
      gains[k] = same_sign ? std::max(gains[k] * 0.8, 0.01) : gains[k] + 0.2;
      update[k] = momentum * update[k] - learning_rate * gains[k] * grad[k];
      y[k] += update[k];
    }
    if (options.progress && (iteration + 1) % 50 == 0 && !options.progress(iteration + 1)) {
      ++iteration;
      break;
    }
  }
  optimizer.gradient(y, 1.0, grad);  // refreshes Z for the divergence
  result.kl_divergence = optimizer.divergence(y);
  result.iterations = iteration;
  result.embedding = std::move(y);
  return result;
}

}  // namespace

TsneResult tsne(const std::vector<double>& points, size_t dimension, const TsneOptions& options) {
  const size_t count = spatial::checked_point_count(points, dimension, "t-SNE");
  if (count < 4) throw std::invalid_argument("t-SNE: needs at least 4 points, got " + std::to_string(count));
  if (options.components != 2 && options.components != 3)
    throw std::invalid_argument("t-SNE: the Barnes-Hut embedding has 2 or 3 components, not " +
                                std::to_string(options.components));
  if (!(options.perplexity > 0.0) || options.perplexity >= static_cast<double>(count))
    throw std::invalid_argument("t-SNE: perplexity must be positive and below the number of points (" +
                                std::to_string(count) + "), got " + std::to_string(options.perplexity));
  if (!(options.theta > 0.0)) throw std::invalid_argument("t-SNE: theta must be positive");
  if (!(options.early_exaggeration > 0.0)) throw std::invalid_argument("t-SNE: early_exaggeration must be positive");
  const SparseAffinities p = tsne_detail::joint_probabilities(points, dimension, options.perplexity);
  std::vector<double> y = initial_embedding(points, dimension, count, options);
  return options.components == 2 ? optimize<2>(p, std::move(y), count, options)
                                 : optimize<3>(p, std::move(y), count, options);
}

}  // namespace nv
