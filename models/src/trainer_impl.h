// The trainer's state (private to models/src; see trainer.h for behaviour).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "neuralview/loss.h"
#include "neuralview/metrics.h"
#include "neuralview/optimizer.h"
#include "neuralview/schedule.h"
#include "neuralview/trainer.h"

namespace nv {

// What an epoch adds up: the loss statistics (already summed over
// processes), and the local metric sums (summed over processes at the end of
// the epoch).
struct EpochAccumulators {
  std::vector<double> loss_sums;
  std::optional<ConfusionMatrix> confusion;
  std::optional<ScoreHistogram> scores;
  std::optional<AbsoluteErrorAccumulator> absolute_error;
};

// A compiled network with its parameter and buffer handles.
struct NetworkSlot {
  std::unique_ptr<Network> network;
  std::vector<Parameter> parameters;
  std::vector<std::pair<std::string, Tensor*>> buffers;
};

struct Trainer::Impl {
  Impl(GraphSpec initial, TrainingOptions opts, Communicator& communicator);

  // --- configuration
  GraphSpec spec;  // structure, and the weights whenever no network holds newer ones
  TrainingOptions options;
  Communicator& comm;
  std::unique_ptr<Loss> loss;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LearningRateSchedule> schedule;
  bool has_dropout = false;

  // --- the one compiled network, for the largest local batch the plan ever
  // gives this process (smaller local batches are padded, see trainer.h);
  // when absent, `spec` holds the weights
  std::optional<NetworkSlot> network;
  int64_t network_batch = 0;

  // --- progress
  int64_t epoch = 0;  // epoch to continue in
  int64_t step = 0;   // first batch of that epoch still to run
  int64_t global_samples = -1;
  std::vector<EpochRecord> history;
  bool has_best = false;
  double best_loss = 0;
  int64_t best_epoch = -1;
  std::map<std::string, Tensor> best_weights;
  std::string stop_reason;
  // An interrupted epoch's sums, already summed over processes (present
  // only when step > 0), and its elapsed time.
  std::optional<std::map<std::string, std::vector<double>>> partial;
  double partial_seconds = 0;

  // --- helpers (trainer.cpp)
  std::map<std::string, std::string> identity() const;
  std::map<std::string, Tensor> current_weights() const;
  GraphSpec with_metadata(GraphSpec model) const;
  NetworkSlot& compiled();  // the network; throws std::logic_error when there is none
  // Compiles the network for `batch` from spec's weights, unless it exists
  // for that batch already (then only keeps it).
  NetworkSlot& ensure_network(int64_t batch, uint64_t network_seed);
  void drop_network();  // keeps the weights in spec
  void broadcast_weights();
  // Collective: process 0 writes, every process learns whether it worked.
  void save(const std::string& path) const;

  // --- training (trainer_fit.cpp)
  std::vector<EpochRecord> fit(const Dataset& data, const TrainingCallbacks& callbacks);
  EpochAccumulators fresh_accumulators(int64_t output_channels) const;
  void accumulate_metrics(EpochAccumulators& acc, const Tensor& output, const Tensor& target) const;
  // Collective: the accumulators summed over processes, as named vectors.
  std::map<std::string, std::vector<double>> reduce_to_sums(const EpochAccumulators& acc) const;
  // Inverse of reduce_to_sums: process 0 takes the metric sums, the others
  // start from zero, so that the end-of-epoch reduction counts them once.
  EpochAccumulators from_sums(const std::map<std::string, std::vector<double>>& sums, int64_t output_channels) const;
};

}  // namespace nv
