// Barnes-Hut t-SNE optimiser, following scikit-learn's _gradient_descent
// and _kl_divergence_bh: gradient 4·(exaggeration·F_attr − F_rep / Z),
// momentum with per-coordinate gains (+0.2 / ×0.8, floor 0.01).
#include "neuralview/tsne.h"

#include <algorithm>
#include <cmath>
#include <exception>
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

// The whole optimisation is one parallel region (none for small sets) with
// three barriers per iteration: on a busy machine every synchronisation can
// cost a scheduler time slice, so they are kept to the data dependencies:
// tree build -> repulsion -> normaliser Z -> gradient and step -> next tree.
template <size_t D>
class Optimizer {
 public:
  Optimizer(const SparseAffinities& p, size_t count, const TsneOptions& options)
      : p_(p), count_(count), options_(options) {}

  TsneResult run(std::vector<double> y) {
    const double learning_rate = options_.learning_rate > 0.0
                                     ? options_.learning_rate
                                     : std::max(static_cast<double>(count_) / options_.early_exaggeration / 4.0, 50.0);
    std::vector<double> next(y.size()), update(y.size(), 0.0), gains(y.size(), 1.0);
    sum_q_.resize(count_);
    repulsive_.resize(count_ * D);
    size_t done = 0;
    bool stop = false;
    std::exception_ptr failure;
#pragma omp parallel if (count_ >= parallel_threshold)
    for (size_t iteration = 0;; ++iteration) {
#pragma omp single
      {
        if (iteration > 0) {
          y.swap(next);
          done = iteration;
          try {
            if (options_.progress && iteration % 50 == 0 && !options_.progress(iteration)) stop = true;
          } catch (...) {
            failure = std::current_exception();
            stop = true;
          }
        }
        if (iteration >= options_.iterations) stop = true;
        if (!stop) tree_.build(y, count_);
      }  // barrier: everyone sees the tree and `stop`
      if (stop) break;
      const bool exploring = iteration < options_.exaggeration_iterations;
      const double exaggeration = exploring ? options_.early_exaggeration : 1.0;
      const double momentum = exploring ? 0.5 : 0.8;
      repulsion(y);  // ends with a barrier
      const double z = normaliser();
#pragma omp for schedule(static)
      for (size_t i = 0; i < count_; ++i) {
        double grad[D];
        gradient_of(i, y, exaggeration, z, grad);
        for (size_t d = 0; d < D; ++d) {
          const size_t k = i * D + d;
          const bool same_sign = update[k] * grad[d] >= 0.0;  // scikit-learn: inc = update * grad < 0
          gains[k] = same_sign ? std::max(gains[k] * 0.8, 0.01) : gains[k] + 0.2;
          update[k] = momentum * update[k] - learning_rate * gains[k] * grad[d];
          next[k] = y[k] + update[k];
        }
      }  // barrier: the step is complete
    }
    if (failure) std::rethrow_exception(failure);
    TsneResult result;
    result.iterations = done;
    result.kl_divergence = divergence(y);
    result.embedding = std::move(y);
    return result;
  }

 private:
  void repulsion(const std::vector<double>& y) {
#pragma omp for schedule(dynamic, 256)
    for (size_t k = 0; k < count_; ++k) {
      const size_t i = tree_.spatial_order()[k];
      sum_q_[i] = tree_.repulsion(i, &y[i * D], options_.theta, &repulsive_[i * D]);
    }
  }

  // Every thread sums in the same order: the same Z for any schedule.
  double normaliser() const {
    return std::max(std::accumulate(sum_q_.begin(), sum_q_.end(), 0.0), std::numeric_limits<double>::min());
  }

  // 4 (exaggeration F_attr - F_rep / Z) for point i (needs repulsion() first).
  void gradient_of(size_t i, const std::vector<double>& y, double exaggeration, double z, double* grad) const {
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
    for (size_t d = 0; d < D; ++d) grad[d] = 4.0 * (exaggeration * attractive[d] - repulsive_[i * D + d] / z);
  }

  // KL(P || Q) of the final embedding, Z from a Barnes-Hut pass.
  double divergence(const std::vector<double>& y) {
    tree_.build(y, count_);
    double kl = 0.0;
    const double eps = std::numeric_limits<double>::epsilon();
#pragma omp parallel if (count_ >= parallel_threshold)
    {
      repulsion(y);
      const double z = normaliser();
#pragma omp for schedule(static) reduction(+ : kl)
      for (size_t i = 0; i < count_; ++i)
        for (size_t e = p_.row_start[i]; e < p_.row_start[i + 1]; ++e) {
          const size_t j = p_.columns[e];
          double d2 = 0.0;
          for (size_t d = 0; d < D; ++d) d2 += (y[i * D + d] - y[j * D + d]) * (y[i * D + d] - y[j * D + d]);
          const double q = 1.0 / (1.0 + d2) / z;
          const double p = p_.values[e];
          kl += p * std::log(std::max(p, eps) / std::max(q, eps));
        }
    }
    return kl;
  }

  const SparseAffinities& p_;
  size_t count_;
  const TsneOptions& options_;
  SpaceTree<D> tree_;
  std::vector<double> sum_q_, repulsive_;
};

template <size_t D>
TsneResult optimize(const SparseAffinities& p, std::vector<double> y, size_t count, const TsneOptions& options) {
  Optimizer<D> optimizer(p, count, options);
  return optimizer.run(std::move(y));
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
