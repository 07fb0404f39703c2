// The training loop: mini-batch gradient descent of a GraphSpec on a
// Dataset, with validation, per-epoch metrics, learning-rate schedules, time
// limit and cancellation, checkpoints, and data parallelism.
//
// Sample order. Samples are numbered globally: process 0's local samples
// first, then process 1's, and so on. The train/validation split is a
// Fisher–Yates permutation of the global numbers seeded by `seed` (the same
// on any number of processes). Every epoch e shuffles the training numbers
// with std::mt19937_64(seed + e) and a hand-written Fisher–Yates (bounded
// integers by rejection, no std::shuffle / std::uniform_int_distribution, so
// the order is identical with every standard library).
//
// Batches. Step k of an epoch trains on the global batch
// order[k * batch_size, (k + 1) * batch_size) of that epoch's shuffled order
// (ceil(training samples / batch_size) steps; the last, partial batch is
// trained, not dropped). This does not depend on the number of processes:
// every process computes the same order and runs the members of each global
// batch that it holds, anywhere from 0 to batch_size samples, a number that
// varies from step to step. A process with no samples in a step still takes
// part in every collective (it adds zero gradients).
//
// Padding. Each process compiles one network, for the largest local batch
// its plan ever needs (over all epochs of the run, so memory stays bounded
// and does not depend on where a resumed run starts; at most batch_size).
// A step with fewer samples fills the remaining slots by repeating the
// step's samples, and masks the padding out exactly: the padding's outputs
// are left out of the loss sums and the metrics, and their output gradients
// are zero, so they add nothing to any parameter gradient. Validation runs
// the same way, over the real samples only. With P processes the network
// holds more than batch_size / P samples (the most a process ever draws from
// one global batch): the price of each step being exactly the global batch.
//
// Gradients. The loss is computed from partial sums reduced over all
// processes (see loss.h), so each process's parameter gradients are its share
// of the gradient of the global-batch loss. The gradients of all parameters
// are then packed into one buffer and summed with a single allreduce; no
// further division by the sample count is needed. Hence, for a network
// without BatchNormalization, P processes compute the same updates as one
// process with the same global batch, up to the order of floating-point sums
// (tests: relative weight differences below 1e-5 after two epochs on 1, 2
// and 3 processes, uneven shards, and a process without samples), and all
// processes hold bit-identical weights.
//
// BatchNormalization. Batch statistics are computed per process, over its
// local batch (like PyTorch DDP without SyncBatchNorm), so P > 1 does NOT
// reproduce the single-process run for a network with BatchNormalization.
// The engine cannot leave padding out of the batch statistics: the padded
// slots repeat the step's real samples, so the statistics are those of the
// real samples, some counted once more than others (exact when the local
// sample count divides the network's batch, e.g. a full batch or a single
// sample; this also applies to one process's last, partial batch). Running
// statistics are averaged at the end of every epoch over the processes that
// hold training samples (a process without any still holds the previous
// mean), so all processes hold the same model.
//
// Metrics (confusion matrix, ROC histogram, absolute errors) are sums over
// the real samples, reduced across processes.
//
// Stopping. `should_stop` (cancellation) and the time limit are checked after
// every training batch and at the start of every epoch; the decision is
// reduced across processes so that all stop at the same batch. A stopped
// epoch produces no EpochRecord; best_model() keeps the best completed epoch.
//
// Checkpoints hold weights, running statistics, optimizer state, the
// position (epoch and batch), the partial sums of an interrupted epoch, the
// best model and the history. Resuming continues exactly as the uninterrupted
// run would, bit for bit with the same number of threads and processes; for
// a network with Dropout this holds at epoch boundaries (masks are seeded per
// epoch), while a resume in the middle of an epoch draws new masks. With
// BatchNormalization on several processes, a resume inside an epoch restarts
// every process's running statistics from process 0's (the weights are still
// exact). Since the batches do not depend on the number of processes, a run
// may also resume on another number of processes, even inside an epoch (then,
// without BatchNormalization, equal to the uninterrupted run within float
// tolerance, not bit for bit).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "neuralview/communicator.h"
#include "neuralview/dataset.h"
#include "neuralview/graph_spec.h"
#include "neuralview/network.h"

namespace nv {

struct TrainingOptions {
  int epochs = 10;
  int64_t batch_size = 8;  // global: summed over all processes
  double learning_rate = 1e-3;
  std::string optimizer = "adam";     // "adam" | "adamw" | "sgd"
  double weight_decay = 0;            // L2 for adam/sgd, decoupled for adamw
  double momentum = 0.9;              // sgd only
  std::string schedule = "constant";  // "constant" | "step" | "cosine"
  int warmup_epochs = 0;              // linear warm-up before the schedule
  int schedule_step_size = 10;        // "step": epochs between decays
  double schedule_gamma = 0.1;        // "step": decay factor
  double minimum_learning_rate = 0;   // "cosine": reached at the last epoch
  double validation_fraction = 0.2;   // of the global sample count, at least one sample when > 0
  uint64_t seed = 0;
  Precision precision = Precision::f32;
  std::string task = "segmentation";  // "segmentation" | "classification" | "regression" | "autoencoder"
  std::string loss;                   // empty: default_loss_for_task(task)
  std::vector<double> class_weights;  // cross-entropy class weights (empty: none)
  int64_t ignore_label = -1;          // target value excluded from loss and metrics
  int64_t num_classes = 0;            // 0: the network's output channels
  double time_limit_seconds = 0;      // 0: none
  // When set, a checkpoint is written here (atomically) after every epoch
  // and when training stops early.
  std::string checkpoint_path;
};

struct EpochRecord {
  int epoch = 0;                  // 0-based
  double train_loss = 0;          // loss over the epoch's training samples
  double validation_loss = 0;     // NaN without a validation set
  double accuracy = 0;            // classification/segmentation, else NaN
  double mean_iou = 0;            // mean over classes present (see metrics.h), else NaN
  std::vector<double> class_iou;  // NaN for a class absent from truth and prediction
  std::vector<double> mae;        // regression/autoencoder: per output channel
  double auc = 0;                 // two classes: ROC AUC of the class-1 score (histogram, metrics.h), else NaN
  double seconds = 0;             // wall time of the epoch (training and validation)
  double learning_rate = 0;       // used during the epoch
};
// Metrics are measured on the validation samples, or on the training batches
// (in training mode, as they were seen) when there is no validation set.

struct TrainingCallbacks {
  // After every training batch; fraction of all requested epochs done.
  std::function<void(double fraction, const std::string& message)> progress;
  // Polled after every batch: true asks to stop (cancellation).
  std::function<bool()> should_stop;
  // After every completed epoch, with its record.
  std::function<void(const EpochRecord&)> epoch_end;
};

class Trainer {
 public:
  // Throws std::invalid_argument for invalid options (unknown task, loss,
  // optimizer or schedule, batch_size < 1, ...) or an invalid spec.
  Trainer(GraphSpec initial, TrainingOptions options, Communicator& comm);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains from the current position (epoch 0, or where a checkpoint left
  // off) up to options.epochs, and returns the whole history. Collective:
  // every process calls it with its local samples. Throws
  // std::invalid_argument when sample shapes do not fit the network or the
  // loss, and std::runtime_error when the loss becomes NaN or infinite. An
  // error on one process (a bad target value, a failing Dataset::load) is
  // raised on every process, so none is left waiting in a collective.
  // Callbacks must not throw. After an exception, continue from a checkpoint.
  std::vector<EpochRecord> fit(const Dataset& data, const TrainingCallbacks& callbacks = {});

  // The weights of the completed epoch with the lowest validation loss (or
  // training loss without validation), including running statistics; the
  // current model when no epoch has completed. metadata.extra holds
  // "training_history" (JSON) and "best_epoch".
  GraphSpec best_model() const;
  GraphSpec current_model() const;

  // Collective: every process must call it; process 0 writes the file
  // (temporary file + rename, so a reader never sees a half-written file).
  void save_checkpoint(const std::string& path) const;
  // Every process reads the file. Throws std::runtime_error for an unreadable
  // or corrupt file and std::invalid_argument when it does not belong to this
  // model and these options (names the mismatch: seed, batch size, validation
  // fraction, optimizer, loss, task, precision, weight names and shapes; the
  // number of processes may differ).
  void load_checkpoint(const std::string& path);

  // "", or why the last fit returned: "completed", "cancelled ...", "time limit ...".
  std::string stop_reason() const;
  const std::vector<EpochRecord>& history() const;
  const TrainingOptions& options() const;
  // Epoch the next fit starts in (equals options().epochs when done).
  int next_epoch() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The history as a JSON array of objects with the EpochRecord field names
// (NaN written as null).
std::string history_to_json(const std::vector<EpochRecord>& history);

}  // namespace nv
