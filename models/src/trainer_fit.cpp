// The training loop (see trainer.h for the sample order, the batching across
// processes, the gradient reduction and the stopping rules).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "trainer_impl.h"
#include "trainer_plan.h"

namespace nv {

using namespace training_detail;

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

bool is_class_task(const std::string& task) { return task == "segmentation" || task == "classification"; }

Shape with_batch(int64_t batch, const Shape& sample) {
  Shape shape{batch};
  shape.insert(shape.end(), sample.begin(), sample.end());
  return shape;
}

// The first `count` samples of a batch tensor.
Tensor leading(const Tensor& batch, int64_t count) {
  if (batch.dim(0) == count) return batch;
  Shape shape = batch.shape();
  const int64_t stride = batch.size() / shape[0];
  shape[0] = count;
  return Tensor(shape, std::vector<float>(batch.values().begin(), batch.values().begin() + count * stride));
}

// `gradient` of `count` samples extended by zero gradients to `slots` samples:
// padding slots contribute nothing to the parameter gradients.
Tensor padded_with_zeros(const Tensor& gradient, int64_t slots) {
  if (gradient.dim(0) == slots) return gradient;
  Shape shape = gradient.shape();
  shape[0] = slots;
  Tensor padded(shape, 0.0f);
  std::copy(gradient.values().begin(), gradient.values().end(), padded.values().begin());
  return padded;
}

// Loads local samples `indices[0..count)` (count >= 1) into the first slots
// of input and target; the remaining slots repeat them cyclically, so that
// padding is finite, real data (see trainer.h on BatchNormalization).
void load_padded(const Dataset& data, const int64_t* indices, int64_t count, Tensor& input, Tensor& target) {
  const int64_t slots = input.dim(0);
  const int64_t input_stride = input.size() / slots, target_stride = target.size() / slots;
  for (int64_t i = 0; i < count; ++i)
    data.load(static_cast<size_t>(indices[i]), input.data() + i * input_stride, target.data() + i * target_stride);
  for (int64_t i = count; i < slots; ++i) {
    const int64_t source = i % count;
    std::copy_n(input.data() + source * input_stride, input_stride, input.data() + i * input_stride);
    std::copy_n(target.data() + source * target_stride, target_stride, target.data() + i * target_stride);
  }
}

uint64_t network_seed(uint64_t seed, int64_t epoch, int rank) {
  return mix_seed(mix_seed(seed) ^ mix_seed(static_cast<uint64_t>(epoch) * 0x10001ull + 7) ^
                  (static_cast<uint64_t>(rank) << 40));
}

std::string format_loss(double value) {
  std::ostringstream text;
  text.precision(5);
  text << value;
  return text.str();
}

}  // namespace

EpochAccumulators Trainer::Impl::fresh_accumulators(int64_t output_channels) const {
  EpochAccumulators acc;
  acc.loss_sums.assign(loss->statistics_size(output_channels), 0.0);
  if (is_class_task(options.task)) {
    const int64_t classes = output_channels == 1 ? 2 : output_channels;
    acc.confusion.emplace(classes);
    if (classes == 2) acc.scores.emplace();
  } else {
    acc.absolute_error.emplace(output_channels);
  }
  return acc;
}

void Trainer::Impl::accumulate_metrics(EpochAccumulators& acc, const Tensor& output, const Tensor& target) const {
  if (acc.absolute_error) acc.absolute_error->add(output, target);
  if (acc.confusion) acc.confusion->add_predictions(output, target, options.ignore_label);
  if (acc.scores) {
    // Score of class 1: softmax of two logits, or the sigmoid of one.
    const int64_t channels = output.dim(1);
    const int64_t spatial = output.size() / (output.dim(0) * channels);
    for (int64_t p = 0; p < target.size(); ++p) {
      const float label = target[p];
      if (label == static_cast<float>(options.ignore_label)) continue;
      const int64_t n = p / spatial, s = p - n * spatial;
      const double logit = channels == 1
                               ? output[n * spatial + s]
                               : static_cast<double>(output[(n * 2 + 1) * spatial + s]) - output[(n * 2) * spatial + s];
      acc.scores->add(1.0 / (1.0 + std::exp(-logit)), label == 1.0f);
    }
  }
}

std::map<std::string, std::vector<double>> Trainer::Impl::reduce_to_sums(const EpochAccumulators& acc) const {
  std::map<std::string, std::vector<double>> sums;
  sums["loss"] = acc.loss_sums;
  if (acc.confusion) {
    ConfusionMatrix copy = *acc.confusion;
    copy.reduce(comm);
    sums["confusion"] = copy.counts();
  }
  if (acc.scores) {
    ScoreHistogram copy = *acc.scores;
    copy.reduce(comm);
    sums["scores"] = copy.state();
  }
  if (acc.absolute_error) {
    AbsoluteErrorAccumulator copy = *acc.absolute_error;
    copy.reduce(comm);
    sums["absolute_error"] = copy.state();
  }
  return sums;
}

EpochAccumulators Trainer::Impl::from_sums(const std::map<std::string, std::vector<double>>& sums,
                                           int64_t output_channels) const {
  EpochAccumulators acc = fresh_accumulators(output_channels);
  auto take = [&](const char* key) -> const std::vector<double>& {
    auto it = sums.find(key);
    if (it == sums.end()) throw std::invalid_argument(std::string("checkpoint lacks the epoch's '") + key + "' sums");
    return it->second;
  };
  const std::vector<double>& loss_sums = take("loss");
  if (loss_sums.size() != acc.loss_sums.size())
    throw std::invalid_argument("checkpoint's loss sums do not fit the loss '" + loss->name() + "'");
  acc.loss_sums = loss_sums;
  if (comm.rank() == 0) {
    if (acc.confusion) acc.confusion->set_counts(take("confusion"));
    if (acc.scores) acc.scores->set_state(take("scores"));
    if (acc.absolute_error) acc.absolute_error->set_state(take("absolute_error"));
  }
  return acc;
}

std::vector<EpochRecord> Trainer::Impl::fit(const Dataset& data, const TrainingCallbacks& callbacks) {
  const Clock::time_point fit_start = Clock::now();
  stop_reason.clear();
  const int processes = comm.size(), rank = comm.rank();

  // --- global sample numbering and the split
  const bool shape_ok = data.sample_input_shape() == spec.input_shape;
  std::vector<double> counts(static_cast<size_t>(processes) + 1, 0.0);
  counts[static_cast<size_t>(rank)] = static_cast<double>(data.size());
  counts.back() = shape_ok ? 0 : 1;
  comm.allreduce_sum(counts.data(), counts.size());
  if (!shape_ok)
    throw std::invalid_argument("dataset samples have shape " + shape_to_string(data.sample_input_shape()) +
                                " but the network expects " + shape_to_string(spec.input_shape));
  if (counts.back() > 0) throw std::invalid_argument("the dataset of another process does not fit the network");
  int64_t offset = 0, total = 0;
  for (int r = 0; r < processes; ++r) {
    if (r < rank) offset += static_cast<int64_t>(counts[static_cast<size_t>(r)]);
    total += static_cast<int64_t>(counts[static_cast<size_t>(r)]);
  }
  const int64_t local_count = static_cast<int64_t>(data.size());
  if (global_samples >= 0 && (epoch > 0 || step > 0) && global_samples != total)
    throw std::invalid_argument("training was started on " + std::to_string(global_samples) +
                                " samples, this dataset has " + std::to_string(total));
  global_samples = total;
  if (epoch >= options.epochs) {
    stop_reason = "completed";
    return history;
  }

  const SampleSplit split = split_samples(total, options.validation_fraction, options.seed);
  if (split.train.empty())
    throw std::invalid_argument("no training samples: the dataset holds " + std::to_string(total) +
                                " samples over all processes");
  // Training samples per process (each one's share of the global numbers),
  // for the number of processes whose running statistics count.
  int64_t local_train = 0, training_processes = 0;
  {
    int64_t begin = 0;
    for (int r = 0; r < processes; ++r) {
      const int64_t end = begin + static_cast<int64_t>(counts[static_cast<size_t>(r)]);
      const int64_t held = std::lower_bound(split.train.begin(), split.train.end(), end) -
                           std::lower_bound(split.train.begin(), split.train.end(), begin);
      if (held > 0) ++training_processes;
      if (r == rank) local_train = held;
      begin = end;
    }
  }
  const int64_t global_train = static_cast<int64_t>(split.train.size());
  std::vector<int64_t> local_validation;
  for (int64_t g : split.validation)
    if (g >= offset && g < offset + local_count) local_validation.push_back(g - offset);
  const bool has_validation = !split.validation.empty();

  // Every process walks the same global batches; the network holds as many
  // samples as this process ever runs in one step (at least one, for
  // validation), independent of where a resumed run starts.
  const int64_t steps = steps_per_epoch(global_train, options.batch_size);
  const int64_t slots = std::max<int64_t>(
      1, largest_local_batch(split.train, options.seed, options.epochs, options.batch_size, offset, local_count));

  // --- network
  if (network && (network_batch != slots || (has_dropout && step == 0))) drop_network();
  // Collective decisions: a failure to build anywhere stops every process,
  // and any new network takes process 0's weights.
  double build_state[2] = {network ? 0.0 : 1.0, 0.0};
  std::exception_ptr build_failure;
  try {
    ensure_network(slots, network_seed(options.seed, epoch, rank));
  } catch (...) {
    build_failure = std::current_exception();
    build_state[1] = 1;
  }
  comm.allreduce_max(build_state, 2);
  if (build_failure) std::rethrow_exception(build_failure);
  if (build_state[1] > 0) throw std::runtime_error("building the network failed on another process");
  if (build_state[0] > 0) broadcast_weights();
  int64_t networks_epoch = epoch;

  const Shape output_shape = compiled().network->output_shape();
  const int64_t channels = output_shape.size() >= 2 ? output_shape[1] : 1;
  if (is_class_task(options.task)) {
    const int64_t classes = channels == 1 ? 2 : channels;
    if (options.num_classes > 0 && options.num_classes != classes)
      throw std::invalid_argument("num_classes is " + std::to_string(options.num_classes) + " but the network has " +
                                  std::to_string(channels) + " output channels");
  }
  const bool autoencoder = options.task == "autoencoder";
  const Shape target_sample = data.sample_target_shape();
  const size_t statistics = loss->statistics_size(channels);
  // Input and target of one step: `slots` samples, the real ones first.
  Tensor batch_input(with_batch(slots, spec.input_shape));
  Tensor batch_target(with_batch(slots, target_sample));

  std::vector<float> fused;  // all gradients, for one allreduce
  auto reduce_gradients = [&](NetworkSlot& m) {
    if (processes == 1) return;
    size_t size = 0;
    for (const Parameter& p : m.parameters) size += static_cast<size_t>(p.gradient->size());
    fused.resize(size);
    size_t at = 0;
    for (const Parameter& p : m.parameters) {
      std::copy(p.gradient->values().begin(), p.gradient->values().end(), fused.begin() + static_cast<ptrdiff_t>(at));
      at += static_cast<size_t>(p.gradient->size());
    }
    comm.allreduce_sum(fused.data(), fused.size());
    at = 0;
    for (const Parameter& p : m.parameters) {
      std::copy_n(fused.begin() + static_cast<ptrdiff_t>(at), p.gradient->size(), p.gradient->values().begin());
      at += static_cast<size_t>(p.gradient->size());
    }
  };

  // Polls cancellation and the time limit; all processes agree.
  auto stop_request = [&]() -> int {
    double flags[2] = {
        callbacks.should_stop && callbacks.should_stop() ? 1.0 : 0.0,
        options.time_limit_seconds > 0 && seconds_since(fit_start) >= options.time_limit_seconds ? 1.0 : 0.0};
    comm.allreduce_max(flags, 2);
    return flags[0] > 0 ? 1 : (flags[1] > 0 ? 2 : 0);
  };
  auto describe_stop = [&](int request, const std::string& where) {
    if (request == 1) return "cancelled " + where;
    std::ostringstream text;
    text << "time limit of " << options.time_limit_seconds << " s reached " << where;
    return text.str();
  };

  // Throws on every process when any process failed; the failing one
  // rethrows its own exception.
  auto agree_on_failure = [&](double failures, const std::exception_ptr& local_failure) {
    if (local_failure) std::rethrow_exception(local_failure);
    if (failures > 0) throw std::runtime_error("training failed on another process");
  };

  // One optimisation step; this process runs local samples
  // indices[0..count), possibly none, of the step's global batch.
  auto train_step = [&](const int64_t* indices, int64_t count, EpochAccumulators& acc, bool collect_metrics) {
    std::vector<double> sums(statistics + 1, 0.0);  // + failure flag
    std::exception_ptr failure;
    NetworkSlot& net = compiled();
    Tensor output, target;  // of the real samples only
    if (count > 0) {
      try {
        load_padded(data, indices, count, batch_input, batch_target);
        output = leading(net.network->forward(batch_input, Mode::training), count);
        target = leading(autoencoder ? batch_input : batch_target, count);
        const std::vector<double> local = loss->partial_sums(output, target);
        std::copy(local.begin(), local.end(), sums.begin());
      } catch (...) {
        failure = std::current_exception();
        std::fill(sums.begin(), sums.end(), 0.0);
        sums.back() = 1;
      }
    }
    comm.allreduce_sum(sums.data(), sums.size());
    agree_on_failure(sums.back(), failure);
    sums.pop_back();
    const double value = loss->value_from_sums(sums);
    if (!std::isfinite(value))
      throw std::runtime_error("training diverged: the loss became " + format_loss(value) + " in epoch " +
                               std::to_string(epoch) + ", batch " + std::to_string(step) +
                               " (try a lower learning rate)");
    if (count > 0) {
      net.network->backward(padded_with_zeros(loss->gradient(output, target, sums), slots));
      if (collect_metrics) accumulate_metrics(acc, output, target);
    } else {
      for (const Parameter& p : net.parameters)
        std::fill(p.gradient->values().begin(), p.gradient->values().end(), 0.f);
    }
    reduce_gradients(net);
    optimizer->step(net.parameters);
    for (size_t i = 0; i < statistics; ++i) acc.loss_sums[i] += sums[i];
  };

  // Inference over the local validation samples; loss sums stay local until
  // the single reduction at the end.
  auto validate = [&](EpochAccumulators& acc) {
    std::exception_ptr failure;
    NetworkSlot& net = compiled();
    try {
      for (size_t first = 0; first < local_validation.size(); first += static_cast<size_t>(slots)) {
        const int64_t count = std::min<int64_t>(slots, static_cast<int64_t>(local_validation.size() - first));
        load_padded(data, local_validation.data() + first, count, batch_input, batch_target);
        const Tensor output = leading(net.network->forward(batch_input, Mode::inference), count);
        const Tensor expected = leading(autoencoder ? batch_input : batch_target, count);
        const std::vector<double> local = loss->partial_sums(output, expected);
        for (size_t i = 0; i < statistics; ++i) acc.loss_sums[i] += local[i];
        accumulate_metrics(acc, output, expected);
      }
    } catch (...) {
      failure = std::current_exception();
    }
    std::vector<double> sums = acc.loss_sums;
    sums.push_back(failure ? 1.0 : 0.0);
    comm.allreduce_sum(sums.data(), sums.size());
    agree_on_failure(sums.back(), failure);
    sums.pop_back();
    acc.loss_sums = sums;
  };

  // Running statistics: the mean over the processes that trained (a process
  // without training samples still holds the previous mean), in one allreduce.
  auto average_buffers = [&]() {
    if (processes == 1) return;
    std::vector<std::pair<std::string, Tensor*>>& buffers = compiled().buffers;
    size_t size = 0;
    for (const auto& [name, tensor] : buffers) size += static_cast<size_t>(tensor->size());
    if (size == 0) return;
    std::vector<float> packed(size, 0.0f);
    size_t at = 0;
    for (const auto& [name, tensor] : buffers) {
      if (local_train > 0)
        std::copy(tensor->values().begin(), tensor->values().end(), packed.begin() + static_cast<ptrdiff_t>(at));
      at += static_cast<size_t>(tensor->size());
    }
    comm.allreduce_sum(packed.data(), packed.size());
    at = 0;
    for (const auto& [name, tensor] : buffers) {
      for (float& v : tensor->values()) v = packed[at++] / static_cast<float>(training_processes);
    }
    compiled().network->parameters_changed();
  };

  bool stopped = false;
  while (epoch < options.epochs && !stopped) {
    if (const int request = stop_request()) {
      stop_reason = describe_stop(request, "before epoch " + std::to_string(epoch));
      stopped = true;
      break;
    }
    if (has_dropout && networks_epoch != epoch) {  // fresh dropout masks per epoch
      drop_network();
      ensure_network(slots, network_seed(options.seed, epoch, rank));
      networks_epoch = epoch;
    }
    const double learning_rate = schedule->learning_rate_at(epoch);
    optimizer->set_learning_rate(learning_rate);
    const Clock::time_point epoch_start = Clock::now();
    const double earlier_seconds = step > 0 ? partial_seconds : 0.0;
    EpochAccumulators train = step > 0 && partial ? from_sums(*partial, channels) : fresh_accumulators(channels);
    partial.reset();
    const LocalSteps plan(epoch_order(split.train, options.seed, epoch), options.batch_size, offset, local_count);

    for (; step < steps; ++step) {
      train_step(plan.samples(step), plan.count(step), train, !has_validation);
      if (callbacks.progress) {
        const double fraction =
            (static_cast<double>(epoch) + static_cast<double>(step + 1) / static_cast<double>(steps)) /
            static_cast<double>(options.epochs);
        callbacks.progress(fraction, "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.epochs) +
                                         ", batch " + std::to_string(step + 1) + "/" + std::to_string(steps) +
                                         ", loss " + format_loss(loss->value_from_sums(train.loss_sums)));
      }
      if (step + 1 < steps) {  // after the last batch the epoch is finished first
        if (const int request = stop_request()) {
          stop_reason = describe_stop(request, "in epoch " + std::to_string(epoch) + " after batch " +
                                                   std::to_string(step + 1) + " of " + std::to_string(steps));
          ++step;
          partial = reduce_to_sums(train);
          partial_seconds = earlier_seconds + seconds_since(epoch_start);
          stopped = true;
          break;
        }
      }
    }
    if (stopped) break;

    average_buffers();
    EpochRecord record;
    record.epoch = static_cast<int>(epoch);
    record.learning_rate = learning_rate;
    record.train_loss = loss->value_from_sums(train.loss_sums);
    record.validation_loss = kNaN;
    EpochAccumulators* measured = &train;
    EpochAccumulators checked = fresh_accumulators(channels);
    if (has_validation) {
      validate(checked);
      record.validation_loss = loss->value_from_sums(checked.loss_sums);
      measured = &checked;
    }
    record.accuracy = record.mean_iou = record.auc = kNaN;
    if (measured->confusion) {
      measured->confusion->reduce(comm);
      record.accuracy = measured->confusion->accuracy();
      record.class_iou = measured->confusion->class_iou();
      record.mean_iou = measured->confusion->mean_iou();
    }
    if (measured->scores) {
      measured->scores->reduce(comm);
      record.auc = measured->scores->auc();
    }
    if (measured->absolute_error) {
      measured->absolute_error->reduce(comm);
      record.mae = measured->absolute_error->mean();
    }
    record.seconds = earlier_seconds + seconds_since(epoch_start);
    history.push_back(record);

    const double monitored = has_validation ? record.validation_loss : record.train_loss;
    if (std::isfinite(monitored) && (!has_best || monitored < best_loss)) {
      has_best = true;
      best_loss = monitored;
      best_epoch = epoch;
      best_weights = current_weights();
    }
    ++epoch;
    step = 0;
    partial_seconds = 0;
    if (callbacks.epoch_end) callbacks.epoch_end(record);
    if (!options.checkpoint_path.empty()) save(options.checkpoint_path);
  }
  if (stopped) {
    if (!options.checkpoint_path.empty()) save(options.checkpoint_path);
  } else {
    stop_reason = "completed";
  }
  return history;
}

}  // namespace nv
