// The training checkpoint file: everything needed to continue a training run
// exactly where it stopped.
//
// Layout: the 8 bytes "NVCKPT01", a little-endian uint64 header length, a
// JSON header, then raw little-endian float32 blobs that the header refers to
// by offset and element count. Files are written to a temporary name in the
// same folder and renamed, so that readers see either the old or the new
// complete file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "neuralview/optimizer.h"
#include "neuralview/tensor.h"
#include "neuralview/trainer.h"

namespace nv {

struct TrainingCheckpoint {
  // Settings that must match to resume (seed, batch size, ...), as text.
  std::map<std::string, std::string> identity;
  int64_t epoch = 0;                      // epoch to continue in
  int64_t step = 0;                       // first batch of that epoch still to run
  int64_t global_samples = 0;             // dataset size over all processes
  std::map<std::string, Tensor> weights;  // parameters and running statistics
  bool has_best = false;
  double best_loss = 0;
  int64_t best_epoch = -1;
  std::map<std::string, Tensor> best_weights;
  OptimizerState optimizer;
  std::vector<EpochRecord> history;
  // Sums accumulated in the interrupted epoch (already reduced over processes).
  std::map<std::string, std::vector<double>> partial_epoch;
  double partial_epoch_seconds = 0;
  std::string stop_reason;
};

// Throws std::runtime_error when the file cannot be written.
void write_checkpoint(const std::string& path, const TrainingCheckpoint& checkpoint);
// Throws std::runtime_error when the file is missing, truncated or not a checkpoint.
TrainingCheckpoint read_checkpoint(const std::string& path);

// JSON of a history (used by checkpoints and model metadata).
std::string epoch_records_to_json(const std::vector<EpochRecord>& history);
std::vector<EpochRecord> epoch_records_from_json(const std::string& text);

}  // namespace nv
