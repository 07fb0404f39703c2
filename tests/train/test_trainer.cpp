// The training loop end to end: learning on synthetic images, exact resume
// from checkpoints, time limit and cancellation, errors on one of several
// processes, and clear errors. Data parallelism: test_data_parallel.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "neuralview/checkpoint.h"
#include "neuralview/graph_builder.h"
#include "neuralview/presets.h"
#include "neuralview/trainer.h"
#include "train_test_support.h"

namespace nv {
namespace {

std::string temporary_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nv_trainer_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + name))
      .string();
}

TrainingOptions classification_options() {
  TrainingOptions o;
  o.task = "classification";
  o.epochs = 4;
  o.batch_size = 8;
  o.learning_rate = 3e-3;
  o.validation_fraction = 0.2;
  o.seed = 17;
  return o;
}

void expect_same_weights(const GraphSpec& a, const GraphSpec& b) {
  ASSERT_EQ(a.weights.size(), b.weights.size());
  for (const auto& [name, tensor] : a.weights) {
    ASSERT_TRUE(b.weights.count(name)) << name;
    EXPECT_EQ(tensor.values(), b.weights.at(name).values()) << "weight " << name << " differs";
  }
}

void expect_same_history(const std::vector<EpochRecord>& a, const std::vector<EpochRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].epoch, b[i].epoch);
    EXPECT_TRUE(same(a[i].train_loss, b[i].train_loss)) << i << ": " << a[i].train_loss << " vs " << b[i].train_loss;
    EXPECT_TRUE(same(a[i].validation_loss, b[i].validation_loss)) << i;
    EXPECT_TRUE(same(a[i].accuracy, b[i].accuracy)) << i;
    EXPECT_TRUE(same(a[i].mean_iou, b[i].mean_iou)) << i;
    EXPECT_TRUE(same(a[i].auc, b[i].auc)) << i;
    EXPECT_EQ(a[i].learning_rate, b[i].learning_rate) << i;
  }
}

// A small network without BatchNormalization (whose batch statistics are per
// process) and optionally with dropout.
GraphSpec plain_network(bool with_dropout) {
  GraphBuilder b({1, 16, 16}, 5);
  std::string x = b.max_pool(b.relu(b.conv(b.input(), 6, 3, 1, 1)), 2);
  x = b.flatten(x);
  x = b.relu(b.dense(x, 16));
  if (with_dropout) x = b.dropout(x, 0.3);
  return b.build(b.dense(x, 2));
}

TEST(Trainer, ClassifierLearnsBlobsVersusRings) {
  const InMemoryDataset data = test::blob_ring_images(160, 11);
  TrainingOptions o = classification_options();
  // BatchNormalization's running statistics (PyTorch momentum 0.1) lag the
  // training for the first epochs; from epoch 8 on validation is near perfect.
  o.epochs = 10;
  o.batch_size = 16;
  o.validation_fraction = 0.25;
  SerialCommunicator comm;
  Trainer trainer(build_preset("classifier-small", {1, 16, 16}, 2, 1), o, comm);
  int batches = 0;
  TrainingCallbacks callbacks;
  callbacks.progress = [&](double fraction, const std::string&) {
    ++batches;
    EXPECT_GT(fraction, 0.0);
    EXPECT_LE(fraction, 1.0 + 1e-12);
  };
  const auto start = std::chrono::steady_clock::now();
  const auto history = trainer.fit(data, callbacks);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(history.size(), static_cast<size_t>(o.epochs));
  EXPECT_EQ(batches, o.epochs * 8) << "120 training samples in batches of 16: 8 per epoch, the last one partial";
  EXPECT_EQ(trainer.stop_reason(), "completed");
  std::cout << "blob/ring classifier: validation accuracy " << history.back().accuracy << ", AUC " << history.back().auc
            << ", " << seconds << " s (accuracy per epoch:";
  for (const auto& r : history) std::cout << " " << r.accuracy;
  std::cout << ")\n";
  // Blobs and rings differ in their radial profile; a two-layer CNN separates
  // them perfectly after 8 epochs here, so 90 % on the 40 held-out images is a safe bar.
  EXPECT_GE(history.back().accuracy, 0.9) << "validation accuracy after 10 epochs";
  EXPECT_GE(history.back().auc, 0.9);
  EXPECT_LT(history.back().train_loss, history.front().train_loss);
  EXPECT_EQ(history.back().class_iou.size(), 2u);
  const GraphSpec best = trainer.best_model();
  EXPECT_EQ(best.metadata.task, "classification");
  EXPECT_NE(best.metadata.extra.at("training_history").find("validation_loss"), std::string::npos);
}

TEST(Trainer, SegmentationNetworkLearnsDiscs) {
  const InMemoryDataset data = test::disc_segmentation(48, 12);
  TrainingOptions o;
  o.task = "segmentation";
  o.epochs = 8;
  o.batch_size = 8;
  o.learning_rate = 1e-2;
  o.validation_fraction = 0.25;
  o.seed = 3;
  SerialCommunicator comm;
  Trainer trainer(build_preset("segnet-small", {2, 16, 16}, 2, 2), o, comm);
  const auto history = trainer.fit(data);
  ASSERT_EQ(history.size(), 8u);
  std::cout << "disc segmentation: validation mean IoU " << history.back().mean_iou << " (per epoch:";
  for (const auto& r : history) std::cout << " " << r.mean_iou;
  std::cout << ")\n";
  // Disc pixels are bright in both channels (noise 0.2): a per-pixel
  // threshold already reaches IoU > 0.9, so 0.8 mean IoU is a modest bar.
  EXPECT_GE(history.back().mean_iou, 0.8);
  ASSERT_EQ(history.back().class_iou.size(), 2u);
  EXPECT_FALSE(std::isnan(history.back().auc));
}

TEST(Trainer, TrainsInBfloat16) {
  const InMemoryDataset data = test::blob_ring_images(32, 6);
  TrainingOptions o = classification_options();
  o.epochs = 2;
  o.precision = Precision::bf16;
  SerialCommunicator comm;
  std::unique_ptr<Trainer> trainer;
  try {
    trainer = std::make_unique<Trainer>(build_preset("classifier-small", {1, 16, 16}, 2, 1), o, comm);
    trainer->fit(data);
  } catch (const std::invalid_argument& e) {
    GTEST_SKIP() << "bf16 not available here: " << e.what();
  }
  ASSERT_EQ(trainer->history().size(), 2u);
  EXPECT_TRUE(std::isfinite(trainer->history().back().train_loss));
  EXPECT_TRUE(std::isfinite(trainer->history().back().validation_loss));
}

TEST(Trainer, RegressionAndAutoencoderReportErrorsPerOutput) {
  // Target: the mean brightness of the image.
  const InMemoryDataset images = test::blob_ring_images(24, 4);
  Tensor targets({24, 1});
  for (int64_t n = 0; n < 24; ++n) {
    double sum = 0;
    for (int64_t i = 0; i < 256; ++i) sum += images.inputs()[n * 256 + i];
    targets[n] = static_cast<float>(sum / 256);
  }
  const InMemoryDataset data(images.inputs(), targets);
  TrainingOptions o;
  o.task = "regression";
  o.epochs = 2;
  o.batch_size = 8;
  SerialCommunicator comm;
  Trainer regression(build_preset("regressor-small", {1, 16, 16}, 1, 1), o, comm);
  const auto history = regression.fit(data);
  ASSERT_EQ(history.size(), 2u);
  ASSERT_EQ(history.back().mae.size(), 1u);
  EXPECT_TRUE(std::isfinite(history.back().mae[0]));
  EXPECT_TRUE(std::isnan(history.back().accuracy));

  o.task = "autoencoder";
  Trainer autoencoder(build_preset("autoencoder2d", {1, 16, 16}, 1, 1), o, comm);
  const auto reconstruction = autoencoder.fit(images);
  ASSERT_EQ(reconstruction.back().mae.size(), 1u);
  EXPECT_TRUE(std::isfinite(reconstruction.back().validation_loss));
}

// 36 samples: 7 for validation, 29 for training in batches of 8, so every
// epoch ends with a partial batch of 5, padded to the network's 8 slots.
void check_resume_is_exact(const GraphSpec& initial, TrainingOptions o, int stop_after_batches) {
  const InMemoryDataset data = test::blob_ring_images(36, 21);
  SerialCommunicator comm;
  Trainer straight(initial, o, comm);
  const auto expected = straight.fit(data);
  ASSERT_EQ(expected.size(), static_cast<size_t>(o.epochs));

  const std::string path = temporary_path("checkpoint.nvckpt");
  {
    Trainer first(initial, o, comm);
    int batches = 0;
    TrainingCallbacks callbacks;
    callbacks.progress = [&](double, const std::string&) { ++batches; };
    callbacks.should_stop = [&] { return batches >= stop_after_batches; };
    first.fit(data, callbacks);
    EXPECT_EQ(first.stop_reason().rfind("cancelled", 0), 0u) << first.stop_reason();
    first.save_checkpoint(path);
  }
  Trainer resumed(initial, o, comm);
  resumed.load_checkpoint(path);
  const auto history = resumed.fit(data);
  std::filesystem::remove(path);
  EXPECT_EQ(resumed.stop_reason(), "completed");
  expect_same_history(expected, history);
  expect_same_weights(straight.current_model(), resumed.current_model());
  expect_same_weights(straight.best_model(), resumed.best_model());
}

TEST(Trainer, ResumeAtAnEpochBoundaryIsBitIdentical) {
  // Stop requested after the 8th batch, i.e. the last of epoch 1: the
  // trainer finishes that epoch and stops before epoch 2.
  check_resume_is_exact(build_preset("classifier-small", {1, 16, 16}, 2, 1), classification_options(), 8);
}

TEST(Trainer, ResumeInsideAnEpochIsBitIdentical) {
  // No validation set: metrics come from the training batches, so the
  // checkpoint must carry the interrupted epoch's metric sums as well.
  TrainingOptions o = classification_options();
  o.validation_fraction = 0;
  o.optimizer = "sgd";
  o.schedule = "cosine";
  o.warmup_epochs = 1;
  check_resume_is_exact(build_preset("classifier-small", {1, 16, 16}, 2, 1), o, 6);
}

TEST(Trainer, ResumeWithDropoutAtAnEpochBoundaryIsBitIdentical) {
  TrainingOptions o = classification_options();
  o.optimizer = "adamw";
  check_resume_is_exact(plain_network(true), o, 8);
}

TEST(Trainer, TimeLimitStopsCleanly) {
  const InMemoryDataset data = test::blob_ring_images(40, 8);
  TrainingOptions o = classification_options();
  o.epochs = 100000;
  o.time_limit_seconds = 0.5;
  SerialCommunicator comm;
  Trainer trainer(build_preset("classifier-small", {1, 16, 16}, 2, 1), o, comm);
  const auto start = std::chrono::steady_clock::now();
  const auto history = trainer.fit(data);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(trainer.stop_reason().rfind("time limit", 0), 0u) << trainer.stop_reason();
  // One batch and one validation take milliseconds; 10 s leaves room for a loaded machine.
  EXPECT_LT(seconds, 0.5 + 10.0) << "stops within one batch (plus one validation) of the limit";
  EXPECT_LT(trainer.next_epoch(), o.epochs);
  EXPECT_EQ(history.size(), trainer.history().size());
  EXPECT_FALSE(trainer.best_model().weights.empty());
}

TEST(Trainer, CancellationStopsAfterTheCurrentBatch) {
  const InMemoryDataset data = test::blob_ring_images(40, 8);
  TrainingOptions o = classification_options();
  o.validation_fraction = 0;
  o.batch_size = 4;  // 10 batches per epoch
  SerialCommunicator comm;
  const GraphSpec initial = build_preset("classifier-small", {1, 16, 16}, 2, 1);
  Trainer trainer(initial, o, comm);
  int batches = 0;
  TrainingCallbacks callbacks;
  callbacks.progress = [&](double, const std::string&) { ++batches; };
  callbacks.should_stop = [&] { return batches >= 3; };
  const auto history = trainer.fit(data, callbacks);
  EXPECT_EQ(batches, 3);
  EXPECT_TRUE(history.empty());
  EXPECT_EQ(trainer.stop_reason(), "cancelled in epoch 0 after batch 3 of 10");
  // No epoch completed: the best model is the current one, already trained.
  const GraphSpec best = trainer.best_model();
  bool changed = false;
  for (const auto& [name, tensor] : initial.weights)
    changed = changed || tensor.values() != best.weights.at(name).values();
  EXPECT_TRUE(changed);
}

TEST(Trainer, AnErrorOnOneRankStopsEveryRank) {
  // Rank 1 holds a label outside the classes; rank 0's data is fine. Both
  // must return with an exception instead of waiting in a collective.
  const InMemoryDataset good = test::blob_ring_images(12, 40);
  Tensor bad_labels({12}, 0.0f);
  bad_labels[5] = 7;
  const InMemoryDataset bad(test::blob_ring_images(12, 41).inputs(), bad_labels);
  TrainingOptions o = classification_options();
  o.validation_fraction = 0;
  test::ThreadGroup group(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  const GraphSpec spec = plain_network(false);
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&, r] {
      try {
        Trainer trainer(spec, o, group.member(r));
        trainer.fit(r == 0 ? good : bad);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_NE(errors[1].find("target value 7"), std::string::npos) << errors[1];
  EXPECT_NE(errors[0].find("another process"), std::string::npos) << errors[0];
}

TEST(Trainer, BadInputIsReportedClearly) {
  SerialCommunicator comm;
  const GraphSpec spec = build_preset("classifier-small", {1, 16, 16}, 2, 1);
  TrainingOptions o = classification_options();
  o.epochs = 1;
  {
    Trainer trainer(spec, o, comm);
    const InMemoryDataset wrong(Tensor({4, 1, 8, 8}), Tensor({4}));
    try {
      trainer.fit(wrong);
      FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("(1, 16, 16)"), std::string::npos) << e.what();
    }
  }
  {
    Trainer trainer(spec, o, comm);
    Tensor labels({8}, 1.0f);
    labels[3] = 5;
    try {
      trainer.fit(InMemoryDataset(Tensor({8, 1, 16, 16}, 0.5f), labels));
      FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("target value 5"), std::string::npos) << e.what();
    }
  }
  {
    TrainingOptions bad = o;
    bad.num_classes = 3;
    Trainer trainer(spec, bad, comm);
    EXPECT_THROW(trainer.fit(test::blob_ring_images(8, 1)), std::invalid_argument);
  }
  TrainingOptions bad = o;
  bad.task = "clustering";
  EXPECT_THROW(Trainer(spec, bad, comm), std::invalid_argument);
  bad = o;
  bad.batch_size = 0;
  EXPECT_THROW(Trainer(spec, bad, comm), std::invalid_argument);
  bad = o;
  bad.optimizer = "lbfgs";
  EXPECT_THROW(Trainer(spec, bad, comm), std::invalid_argument);
  bad = o;
  bad.validation_fraction = 1.0;
  EXPECT_THROW(Trainer(spec, bad, comm), std::invalid_argument);
}

TEST(Trainer, CheckpointsRejectOtherRunsAndCorruptFiles) {
  SerialCommunicator comm;
  const GraphSpec spec = build_preset("classifier-small", {1, 16, 16}, 2, 1);
  TrainingOptions o = classification_options();
  o.epochs = 1;
  const std::string path = temporary_path("run.nvckpt");
  Trainer trainer(spec, o, comm);
  trainer.fit(test::blob_ring_images(12, 2));
  trainer.save_checkpoint(path);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  TrainingOptions other = o;
  other.seed = 99;
  Trainer different(spec, other, comm);
  try {
    different.load_checkpoint(path);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("seed"), std::string::npos) << e.what();
  }
  Trainer wider(build_preset("classifier-small", {1, 16, 16}, 3, 1), o, comm);
  EXPECT_THROW(wider.load_checkpoint(path), std::invalid_argument);

  // Truncated file.
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  Trainer reader(spec, o, comm);
  EXPECT_THROW(reader.load_checkpoint(path), std::runtime_error);
  {
    std::ofstream garbage(path, std::ios::trunc);
    garbage << "not a checkpoint";
  }
  EXPECT_THROW(reader.load_checkpoint(path), std::runtime_error);
  std::filesystem::remove(path);
  EXPECT_THROW(reader.load_checkpoint(path), std::runtime_error);
}

TEST(Trainer, CheckpointFileRoundTripsEverything) {
  TrainingCheckpoint c;
  c.identity = {{"seed", "3"}};
  c.epoch = 2;
  c.step = 5;
  c.global_samples = 40;
  c.weights["w"] = Tensor({2, 2}, std::vector<float>{1, -2, 3.5f, 1e-30f});
  c.has_best = true;
  c.best_loss = 0.25;
  c.best_epoch = 1;
  c.best_weights["w"] = Tensor({2, 2}, 7.0f);
  c.optimizer.kind = "adam";
  c.optimizer.step_count = 11;
  c.optimizer.buffers["w"] = {{1, 2, 3, 4}, {5, 6, 7, 8}};
  EpochRecord r;
  r.epoch = 0;
  r.train_loss = 0.1 + 0.2;  // not exactly representable in few digits
  r.validation_loss = NAN;
  r.class_iou = {0.5, NAN};
  r.auc = INFINITY;
  c.history = {r};
  c.partial_epoch["loss"] = {1.0 / 3.0, 2};
  c.partial_epoch_seconds = 1.5;
  c.stop_reason = "cancelled";
  const std::string path = temporary_path("roundtrip.nvckpt");
  write_checkpoint(path, c);
  const TrainingCheckpoint back = read_checkpoint(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.identity, c.identity);
  EXPECT_EQ(back.epoch, 2);
  EXPECT_EQ(back.step, 5);
  EXPECT_EQ(back.global_samples, 40);
  EXPECT_EQ(back.weights.at("w").values(), c.weights.at("w").values());
  EXPECT_EQ(back.weights.at("w").shape(), (Shape{2, 2}));
  EXPECT_EQ(back.best_weights.at("w").values(), c.best_weights.at("w").values());
  EXPECT_EQ(back.best_loss, 0.25);
  EXPECT_EQ(back.optimizer.step_count, 11);
  EXPECT_EQ(back.optimizer.buffers.at("w"), c.optimizer.buffers.at("w"));
  ASSERT_EQ(back.history.size(), 1u);
  EXPECT_EQ(back.history[0].train_loss, 0.1 + 0.2);
  EXPECT_TRUE(std::isnan(back.history[0].validation_loss));
  EXPECT_TRUE(std::isnan(back.history[0].class_iou[1]));
  EXPECT_TRUE(std::isinf(back.history[0].auc));
  EXPECT_EQ(back.partial_epoch.at("loss")[0], 1.0 / 3.0);
  EXPECT_EQ(back.stop_reason, "cancelled");
}

}  // namespace
}  // namespace nv
