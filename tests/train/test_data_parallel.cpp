// Data-parallel training through the in-process communicator: P processes
// holding contiguous shards of one dataset train the same model as one
// process with the same global batch (networks without BatchNormalization),
// every process ends with bit-identical weights, and checkpoints resume
// exactly, also on another number of processes.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <thread>

#include "neuralview/graph_builder.h"
#include "neuralview/presets.h"
#include "neuralview/trainer.h"
#include "train_test_support.h"

namespace nv {
namespace {

// Float sums in another order differ by a few ulp per step; over two epochs
// of Adam or SGD steps this stays orders of magnitude below 1e-5 of a
// tensor's largest weight (the measured differences are printed).
constexpr double kTolerance = 1e-5;

std::string temporary_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nv_data_parallel_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + name))
      .string();
}

// conv-relu-pool twice, then two dense layers: no BatchNormalization.
GraphSpec plain_classifier() {
  GraphBuilder b({1, 16, 16}, 21);
  std::string x = b.max_pool(b.relu(b.conv(b.input(), 6, 3, 1, 1)), 2);
  x = b.max_pool(b.relu(b.conv(x, 8, 3, 1, 1)), 2);
  x = b.relu(b.dense(b.flatten(x), 16));
  return b.build(b.dense(x, 2));
}

// A small U-shaped segmentation network without BatchNormalization.
GraphSpec plain_segmenter() {
  GraphBuilder b({2, 16, 16}, 22);
  const std::string skip = b.relu(b.conv(b.input(), 6, 3, 1, 1));
  std::string x = b.relu(b.conv(b.max_pool(skip, 2), 8, 3, 1, 1));
  x = b.concat({skip, b.upsample(x, "nearest", 2)});
  return b.build(b.conv(b.relu(b.conv(x, 6, 3, 1, 1)), 2, 1));
}

TrainingOptions classifier_options() {
  TrainingOptions o;
  o.task = "classification";
  o.epochs = 2;
  o.batch_size = 6;
  o.learning_rate = 3e-3;  // Adam
  o.validation_fraction = 0.2;
  o.seed = 5;
  return o;
}

TrainingOptions segmenter_options() {
  TrainingOptions o;
  o.task = "segmentation";
  o.loss = "cross_entropy+dice";  // not a plain mean: needs the global sums
  o.optimizer = "sgd";
  o.momentum = 0.9;
  o.weight_decay = 1e-4;
  o.epochs = 2;
  o.batch_size = 5;
  o.learning_rate = 0.05;
  o.validation_fraction = 0.25;
  o.seed = 8;
  return o;
}

// Every simulated process, and the single process it is compared with,
// computes with one OpenMP thread, like an MPI rank on a core of its own:
// thread teams of several processes spinning on the same few cores would only
// slow the tests down.
void use_one_thread() { omp_set_num_threads(1); }

struct ProcessResult {
  std::vector<EpochRecord> history;
  GraphSpec model;
  std::string stop_reason;
  std::string error;
};

// What a test may do around fit() on every process.
struct RunHooks {
  std::string load_from;       // checkpoint to resume from
  int stop_after_batches = 0;  // > 0: cancel after that many batches
  std::string save_to;         // checkpoint written after fit
};

// One Trainer per thread; process r holds samples [bounds[r], bounds[r + 1]).
std::vector<ProcessResult> run_processes(const GraphSpec& initial, const TrainingOptions& o, const Dataset& all,
                                         const std::vector<int64_t>& bounds, const RunHooks& hooks = {}) {
  const int processes = static_cast<int>(bounds.size()) - 1;
  test::ThreadGroup group(processes);
  std::vector<ProcessResult> results(static_cast<size_t>(processes));
  std::vector<std::thread> threads;
  for (int r = 0; r < processes; ++r)
    threads.emplace_back([&, r] {
      ProcessResult& result = results[static_cast<size_t>(r)];
      use_one_thread();
      try {
        std::vector<size_t> mine(
            static_cast<size_t>(bounds[static_cast<size_t>(r) + 1] - bounds[static_cast<size_t>(r)]));
        std::iota(mine.begin(), mine.end(), static_cast<size_t>(bounds[static_cast<size_t>(r)]));
        const DatasetSubset shard(all, mine);
        Trainer trainer(initial, o, group.member(r));
        if (!hooks.load_from.empty()) trainer.load_checkpoint(hooks.load_from);
        int batches = 0;
        TrainingCallbacks callbacks;
        callbacks.progress = [&](double, const std::string&) { ++batches; };
        if (hooks.stop_after_batches > 0) callbacks.should_stop = [&] { return batches >= hooks.stop_after_batches; };
        result.history = trainer.fit(shard, callbacks);
        if (!hooks.save_to.empty()) trainer.save_checkpoint(hooks.save_to);
        result.model = trainer.current_model();
        result.stop_reason = trainer.stop_reason();
      } catch (const std::exception& e) {
        result.error = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int r = 0; r < processes; ++r) EXPECT_EQ(results[static_cast<size_t>(r)].error, "") << "process " << r;
  return results;
}

// One process, optionally resuming from a checkpoint.
ProcessResult run_single(const GraphSpec& initial, const TrainingOptions& o, const Dataset& all,
                         const std::string& load_from = "") {
  ProcessResult result;
  std::thread worker([&] {
    use_one_thread();
    try {
      SerialCommunicator comm;
      Trainer trainer(initial, o, comm);
      if (!load_from.empty()) trainer.load_checkpoint(load_from);
      result.history = trainer.fit(all);
      result.model = trainer.current_model();
      result.stop_reason = trainer.stop_reason();
    } catch (const std::exception& e) {
      result.error = e.what();
    }
  });
  worker.join();
  EXPECT_EQ(result.error, "");
  return result;
}

// max over tensors of max|a - b| / max|b|.
double largest_relative_difference(const GraphSpec& got, const GraphSpec& expected) {
  double worst = 0;
  for (const auto& [name, tensor] : expected.weights) {
    const Tensor& other = got.weights.at(name);
    EXPECT_EQ(other.shape(), tensor.shape()) << name;
    double largest = 0, difference = 0;
    for (int64_t i = 0; i < tensor.size(); ++i) {
      largest = std::max(largest, std::fabs(static_cast<double>(tensor[i])));
      difference = std::max(difference, std::fabs(static_cast<double>(other[i]) - tensor[i]));
    }
    worst = std::max(worst, difference / std::max(largest, 1e-30));
  }
  return worst;
}

bool weights_changed(const GraphSpec& trained, const GraphSpec& initial) {
  for (const auto& [name, tensor] : initial.weights)
    if (tensor.values() != trained.weights.at(name).values()) return true;
  return false;
}

void expect_bit_identical_weights(const GraphSpec& a, const GraphSpec& b) {
  ASSERT_EQ(a.weights.size(), b.weights.size());
  for (const auto& [name, tensor] : a.weights) {
    ASSERT_TRUE(b.weights.count(name)) << name;
    EXPECT_EQ(tensor.values(), b.weights.at(name).values()) << "weight " << name << " differs";
  }
}

void expect_identical_history(const std::vector<EpochRecord>& a, const std::vector<EpochRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(same(a[i].train_loss, b[i].train_loss)) << i << ": " << a[i].train_loss << " vs " << b[i].train_loss;
    EXPECT_TRUE(same(a[i].validation_loss, b[i].validation_loss)) << i;
    EXPECT_TRUE(same(a[i].accuracy, b[i].accuracy)) << i;
    EXPECT_TRUE(same(a[i].mean_iou, b[i].mean_iou)) << i;
    EXPECT_TRUE(same(a[i].auc, b[i].auc)) << i;
  }
}

void expect_close(double got, double expected, const std::string& what) {
  if (std::isnan(expected))
    EXPECT_TRUE(std::isnan(got)) << what << ": " << got << " instead of NaN";
  else
    EXPECT_LE(test::relative_error(got, expected), kTolerance) << what << ": " << got << " vs " << expected;
}

void expect_close_history(const std::vector<EpochRecord>& got, const std::vector<EpochRecord>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (size_t e = 0; e < expected.size(); ++e) {
    const std::string epoch = "epoch " + std::to_string(e);
    expect_close(got[e].train_loss, expected[e].train_loss, epoch + " training loss");
    expect_close(got[e].validation_loss, expected[e].validation_loss, epoch + " validation loss");
  }
}

// Shards of `total` samples: even, uneven, and with a process that holds none
// (in the middle, and process 0 itself, which also writes checkpoints).
std::vector<std::vector<int64_t>> shardings(int64_t total) {
  return {{0, total / 2, total}, {0, total / 6, total / 2 + 3, total}, {0, total / 3, total / 3, total}, {0, 0, total}};
}

std::string describe(const std::vector<int64_t>& bounds) {
  std::string text = std::to_string(bounds.size() - 1) + " processes, bounds";
  for (int64_t b : bounds) text += " " + std::to_string(b);
  return text;
}

// Trains on 1, 2 and 3 processes and compares with the single process.
void check_matches_one_process(const GraphSpec& initial, const TrainingOptions& o, const Dataset& data,
                               const std::string& label) {
  const ProcessResult single = run_single(initial, o, data);
  ASSERT_EQ(single.history.size(), static_cast<size_t>(o.epochs));
  ASSERT_TRUE(weights_changed(single.model, initial));
  double worst = 0;
  for (const auto& bounds : shardings(static_cast<int64_t>(data.size()))) {
    SCOPED_TRACE(describe(bounds));
    const auto results = run_processes(initial, o, data, bounds);
    for (size_t r = 0; r < results.size(); ++r) {
      SCOPED_TRACE("process " + std::to_string(r));
      expect_close_history(results[r].history, single.history);
      const double difference = largest_relative_difference(results[r].model, single.model);
      EXPECT_LE(difference, kTolerance);
      worst = std::max(worst, difference);
      expect_bit_identical_weights(results[r].model, results[0].model);
      expect_identical_history(results[r].history, results[0].history);
    }
  }
  // The tolerance does tell batch compositions apart: one more sample per
  // batch regroups the samples and moves the weights far more.
  TrainingOptions regrouped = o;
  regrouped.batch_size = o.batch_size + 1;
  const double regrouped_difference =
      largest_relative_difference(run_single(initial, regrouped, data).model, single.model);
  EXPECT_GT(regrouped_difference, 100 * kTolerance);
  std::cout << label << ": largest relative weight difference to one process after " << o.epochs << " epochs: " << worst
            << " (batches of " << regrouped.batch_size << " instead: " << regrouped_difference << ")\n";
}

TEST(DataParallel, ClassifierMatchesOneProcess) {
  // 40 samples: 8 for validation, 32 for training in batches of 6 (6 steps,
  // the last of 2 samples).
  const InMemoryDataset data = test::blob_ring_images(40, 51);
  check_matches_one_process(plain_classifier(), classifier_options(), data, "classifier (Adam)");
}

TEST(DataParallel, SegmenterMatchesOneProcess) {
  // 28 samples: 7 for validation, 21 for training in batches of 5 (5 steps,
  // the last of 1 sample).
  const InMemoryDataset data = test::disc_segmentation(28, 52);
  check_matches_one_process(plain_segmenter(), segmenter_options(), data, "segmenter (SGD, cross-entropy + Dice)");
}

TEST(DataParallel, ProcessesWithoutSamplesAddExactZeros) {
  // All samples on one process: the others add zeros to every sum, which is
  // exact, so the result is bit-identical to one process, also with
  // BatchNormalization (running statistics are averaged only over processes
  // that hold training samples).
  const InMemoryDataset data = test::blob_ring_images(30, 53);
  TrainingOptions o = classifier_options();
  o.batch_size = 8;
  for (const GraphSpec& initial : {plain_classifier(), build_preset("classifier-small", {1, 16, 16}, 2, 1)}) {
    const ProcessResult single = run_single(initial, o, data);
    const auto results = run_processes(initial, o, data, {0, 30, 30, 30});
    for (const ProcessResult& result : results) {
      expect_bit_identical_weights(result.model, single.model);
      expect_identical_history(result.history, single.history);
    }
  }
}

TEST(DataParallel, BatchNormalizationKeepsProcessesIdentical) {
  // With BatchNormalization the batch statistics are per process, so the
  // result differs from one process (documented); the processes must still
  // agree bit for bit and train normally.
  const InMemoryDataset data = test::blob_ring_images(36, 54);
  TrainingOptions o = classifier_options();
  o.batch_size = 8;
  const GraphSpec initial = build_preset("classifier-small", {1, 16, 16}, 2, 1);
  const auto results = run_processes(initial, o, data, {0, 13, 20, 36});
  ASSERT_EQ(results[0].history.size(), 2u);
  for (const ProcessResult& result : results) {
    expect_bit_identical_weights(result.model, results[0].model);
    expect_identical_history(result.history, results[0].history);
  }
  EXPECT_TRUE(weights_changed(results[0].model, initial));
  EXPECT_TRUE(std::isfinite(results[0].history.back().validation_loss));
  EXPECT_TRUE(std::isfinite(results[0].history.back().train_loss));
}

TEST(DataParallel, ResumeInsideAnEpochIsBitIdenticalAndMayChangeTheProcessCount) {
  // No validation set: the interrupted epoch's metric sums must travel in the
  // checkpoint too.
  const InMemoryDataset data = test::blob_ring_images(40, 55);
  TrainingOptions o = classifier_options();
  o.validation_fraction = 0;
  o.epochs = 2;
  const GraphSpec initial = plain_classifier();
  const std::vector<int64_t> two{0, 17, 40};
  const auto straight = run_processes(initial, o, data, two);

  // 40 samples in batches of 6: 7 steps per epoch; stop after step 3 of epoch 1.
  const std::string path = temporary_path("checkpoint.nvckpt");
  RunHooks stop;
  stop.stop_after_batches = 10;
  stop.save_to = path;
  const auto first = run_processes(initial, o, data, two, stop);
  ASSERT_EQ(first[0].stop_reason, "cancelled in epoch 1 after batch 3 of 7");
  ASSERT_EQ(first[0].history.size(), 1u);

  RunHooks resume;
  resume.load_from = path;
  const auto resumed = run_processes(initial, o, data, two, resume);
  for (size_t r = 0; r < resumed.size(); ++r) {
    EXPECT_EQ(resumed[r].stop_reason, "completed");
    expect_bit_identical_weights(resumed[r].model, straight[r].model);
    expect_identical_history(resumed[r].history, straight[r].history);
  }

  // The same checkpoint continued on three processes and on one: the same
  // global batches, so the same model within float tolerance.
  const ProcessResult single = run_single(initial, o, data);
  const auto three = run_processes(initial, o, data, {0, 5, 26, 40}, resume);
  EXPECT_LE(largest_relative_difference(three[0].model, single.model), kTolerance);
  expect_close_history(three[0].history, single.history);
  const ProcessResult one = run_single(initial, o, data, path);
  EXPECT_LE(largest_relative_difference(one.model, single.model), kTolerance);
  expect_close_history(one.history, single.history);
  std::cout << "resumed inside an epoch on 1 and 3 processes: relative weight differences "
            << largest_relative_difference(one.model, single.model) << ", "
            << largest_relative_difference(three[0].model, single.model) << "\n";
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace nv
