// Trainer: configuration, networks, model export and checkpoints.
// The training loop itself is in trainer_fit.cpp.
#include "neuralview/trainer.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "neuralview/checkpoint.h"
#include "trainer_impl.h"

namespace nv {

namespace {

std::string exact_text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

void check_options(const TrainingOptions& o) {
  if (o.epochs < 0) throw std::invalid_argument("epochs must be non-negative");
  if (o.batch_size < 1)
    throw std::invalid_argument("batch size must be at least 1, got " + std::to_string(o.batch_size));
  if (o.task != "segmentation" && o.task != "classification" && o.task != "regression" && o.task != "autoencoder")
    throw std::invalid_argument("unknown task '" + o.task +
                                "' (known: segmentation, classification, regression, autoencoder)");
  if (!(o.validation_fraction >= 0 && o.validation_fraction < 1))
    throw std::invalid_argument("validation fraction must lie in [0, 1), got " + std::to_string(o.validation_fraction));
  if (o.warmup_epochs < 0) throw std::invalid_argument("warm-up epochs must be non-negative");
  if (!(o.time_limit_seconds >= 0)) throw std::invalid_argument("time limit must be non-negative");
  if (o.num_classes < 0) throw std::invalid_argument("number of classes must be non-negative");
}

}  // namespace

Trainer::Impl::Impl(GraphSpec initial, TrainingOptions opts, Communicator& communicator)
    : spec(std::move(initial)), options(std::move(opts)), comm(communicator) {
  check_options(options);
  spec.validate();
  if (options.loss.empty()) options.loss = default_loss_for_task(options.task);
  LossOptions loss_options;
  loss_options.class_weights = options.class_weights;
  loss_options.ignore_label = options.ignore_label;
  loss = make_loss(options.loss, loss_options);

  OptimizerOptions optimizer_options;
  optimizer_options.kind = options.optimizer;
  optimizer_options.learning_rate = options.learning_rate;
  optimizer_options.weight_decay = options.weight_decay;
  optimizer_options.momentum = options.momentum;
  optimizer = make_optimizer(optimizer_options);

  ScheduleOptions schedule_options;
  schedule_options.kind = options.schedule;
  schedule_options.base_learning_rate = options.learning_rate;
  schedule_options.warmup = options.warmup_epochs;
  schedule_options.step_size = options.schedule_step_size;
  schedule_options.gamma = options.schedule_gamma;
  schedule_options.period = std::max<int64_t>(1, options.epochs - options.warmup_epochs);
  schedule_options.minimum_learning_rate = options.minimum_learning_rate;
  schedule = make_schedule(schedule_options);

  for (const NodeSpec& node : spec.nodes)
    if (node.op == "Dropout") has_dropout = true;
}

std::map<std::string, std::string> Trainer::Impl::identity() const {
  return {{"seed", std::to_string(options.seed)},
          {"batch_size", std::to_string(options.batch_size)},
          {"validation_fraction", exact_text(options.validation_fraction)},
          {"optimizer", optimizer->name()},
          {"loss", loss->name()},
          {"task", options.task},
          {"processes", std::to_string(comm.size())},
          {"precision", to_string(options.precision)}};
}

NetworkSlot& Trainer::Impl::compiled() {
  if (!network) throw std::logic_error("trainer: no compiled network");
  return *network;
}

std::map<std::string, Tensor> Trainer::Impl::current_weights() const {
  if (!network) return spec.weights;
  return network->network->export_spec().weights;
}

NetworkSlot& Trainer::Impl::ensure_network(int64_t batch, uint64_t network_seed) {
  if (network && network_batch == batch) return *network;
  drop_network();
  NetworkOptions network_options;
  network_options.precision = options.precision;
  network_options.seed = network_seed;
  NetworkSlot slot;
  slot.network = std::make_unique<Network>(spec, batch, network_options);
  slot.parameters = slot.network->parameters();
  slot.buffers = slot.network->buffers();
  network = std::move(slot);
  network_batch = batch;
  return *network;
}

void Trainer::Impl::drop_network() {
  if (network) spec.weights = current_weights();
  network.reset();
}

void Trainer::Impl::broadcast_weights() {
  if (comm.size() == 1) return;
  NetworkSlot& slot = compiled();
  for (const Parameter& p : slot.parameters) comm.broadcast(p.value->data(), static_cast<size_t>(p.value->size()), 0);
  for (auto& [name, tensor] : slot.buffers) comm.broadcast(tensor->data(), static_cast<size_t>(tensor->size()), 0);
}

GraphSpec Trainer::Impl::with_metadata(GraphSpec model) const {
  if (model.metadata.task.empty()) model.metadata.task = options.task;
  model.metadata.extra["training_history"] = history_to_json(history);
  model.metadata.extra["best_epoch"] = std::to_string(best_epoch);
  return model;
}

Trainer::Trainer(GraphSpec initial, TrainingOptions options, Communicator& comm)
    : impl_(std::make_unique<Impl>(std::move(initial), std::move(options), comm)) {}

Trainer::~Trainer() = default;

std::vector<EpochRecord> Trainer::fit(const Dataset& data, const TrainingCallbacks& callbacks) {
  return impl_->fit(data, callbacks);
}

GraphSpec Trainer::current_model() const {
  GraphSpec model = impl_->spec;
  model.weights = impl_->current_weights();
  return impl_->with_metadata(std::move(model));
}

GraphSpec Trainer::best_model() const {
  GraphSpec model = impl_->spec;
  model.weights = impl_->has_best ? impl_->best_weights : impl_->current_weights();
  return impl_->with_metadata(std::move(model));
}

std::string Trainer::stop_reason() const { return impl_->stop_reason; }
const std::vector<EpochRecord>& Trainer::history() const { return impl_->history; }
const TrainingOptions& Trainer::options() const { return impl_->options; }
int Trainer::next_epoch() const { return static_cast<int>(impl_->epoch); }

void Trainer::save_checkpoint(const std::string& path) const { impl_->save(path); }

void Trainer::Impl::save(const std::string& path) const {
  const Impl& s = *this;
  double failed = 0;
  std::string error;
  if (s.comm.rank() == 0) {
    try {
      TrainingCheckpoint c;
      c.identity = s.identity();
      c.epoch = s.epoch;
      c.step = s.step;
      c.global_samples = s.global_samples;
      c.weights = s.current_weights();
      c.has_best = s.has_best;
      c.best_loss = s.best_loss;
      c.best_epoch = s.best_epoch;
      c.best_weights = s.best_weights;
      c.optimizer = s.optimizer->state();
      c.history = s.history;
      if (s.partial) c.partial_epoch = *s.partial;
      c.partial_epoch_seconds = s.partial_seconds;
      c.stop_reason = s.stop_reason;
      write_checkpoint(path, c);
    } catch (const std::exception& e) {
      failed = 1;
      error = e.what();
    }
  }
  // Every process learns whether the write worked, so all throw or none does.
  s.comm.allreduce_max(&failed, 1);
  if (failed) throw std::runtime_error(error.empty() ? "writing checkpoint '" + path + "' failed on process 0" : error);
}

void Trainer::load_checkpoint(const std::string& path) {
  Impl& s = *impl_;
  TrainingCheckpoint c = read_checkpoint(path);
  const auto expected = s.identity();
  for (const auto& [key, value] : expected) {
    // Step k's global batch does not depend on how samples are spread over
    // processes, and the stored sums are global, so a run may continue on
    // another number of them, even inside an epoch ("processes" is recorded
    // for information only).
    if (key == "processes") continue;
    auto it = c.identity.find(key);
    const std::string stored = it == c.identity.end() ? "(missing)" : it->second;
    if (stored != value)
      throw std::invalid_argument("checkpoint '" + path + "' was made with " + key + " = " + stored +
                                  ", but this trainer has " + value);
  }
  auto check_weights = [&](const std::map<std::string, Tensor>& weights, const char* what) {
    if (weights.size() != s.spec.weights.size())
      throw std::invalid_argument("checkpoint '" + path + "' holds " + std::to_string(weights.size()) + " " + what +
                                  " tensors, the model has " + std::to_string(s.spec.weights.size()));
    for (const auto& [name, tensor] : s.spec.weights) {
      auto it = weights.find(name);
      if (it == weights.end())
        throw std::invalid_argument("checkpoint '" + path + "' lacks " + what + " tensor '" + name + "'");
      if (it->second.shape() != tensor.shape())
        throw std::invalid_argument("checkpoint '" + path + "': " + what + " tensor '" + name + "' has shape " +
                                    shape_to_string(it->second.shape()) + ", the model expects " +
                                    shape_to_string(tensor.shape()));
    }
  };
  check_weights(c.weights, "weight");
  if (c.has_best) check_weights(c.best_weights, "best-model");
  if (c.epoch < 0 || c.step < 0) throw std::runtime_error("checkpoint '" + path + "' has a negative position");

  s.optimizer->restore(c.optimizer);
  s.network.reset();
  s.spec.weights = std::move(c.weights);
  s.epoch = c.epoch;
  s.step = c.step;
  s.global_samples = c.global_samples;
  s.history = std::move(c.history);
  s.has_best = c.has_best;
  s.best_loss = c.best_loss;
  s.best_epoch = c.best_epoch;
  s.best_weights = std::move(c.best_weights);
  s.stop_reason = c.stop_reason;
  if (c.step > 0)
    s.partial = std::move(c.partial_epoch);
  else
    s.partial.reset();
  s.partial_seconds = c.partial_epoch_seconds;
}

std::string history_to_json(const std::vector<EpochRecord>& history) { return epoch_records_to_json(history); }

}  // namespace nv
