// FieldDataset on pieces of a larger field (one process's sub-volume with
// ghost layers): where its crops come from and what its statistics count.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "neuralview/communicator.h"
#include "neuralview/field_dataset.h"
#include "neuralview/predictor.h"

namespace {

constexpr int64_t kHeight = 40, kWidth = 30, kCrop = 8, kGhost = kCrop / 2;

// One channel whose value is the pixel's linear index, so a crop's values tell where it was cut.
nv::Tensor indexed_field() {
  nv::Tensor field({1, kHeight, kWidth});
  for (int64_t i = 0; i < field.size(); ++i) field[i] = static_cast<float>(i);
  return field;
}

struct Piece {
  int64_t first_row, rows;  // owned rows of the whole field
};

// Rows [0, 17) and [17, 40), each with up to kGhost ghost rows on the inner side.
const Piece kPieces[] = {{0, 17}, {17, 23}};

void add_pieces(nv::FieldDataset& data, const nv::Tensor& whole) {
  for (uint64_t p = 0; p < 2; ++p) {
    const int64_t begin = std::max<int64_t>(0, kPieces[p].first_row - kGhost);
    const int64_t end = std::min<int64_t>(kHeight, kPieces[p].first_row + kPieces[p].rows + kGhost);
    nv::Tensor piece = nv::crop_field(whole, {begin, 0}, {end - begin, kWidth});
    data.add_piece(std::move(piece), nv::Tensor(), {kPieces[p].first_row - begin, 0}, {kPieces[p].rows, kWidth}, p);
  }
}

TEST(FieldDatasetPieces, CropsAreCentredInTheOwnedPartAndReadTheRightValues) {
  const nv::Tensor whole = indexed_field();
  nv::FieldDataset data(nv::TargetKind::input, kCrop, 200, 7);
  add_pieces(data, whole);
  ASSERT_EQ(data.size(), 400u);
  std::vector<float> input(kCrop * kCrop), target(kCrop * kCrop);
  int centres_per_piece[2] = {0, 0};
  for (size_t i = 0; i < data.size(); ++i) {
    data.load(i, input.data(), target.data());
    const int64_t row = static_cast<int64_t>(input[0]) / kWidth, column = static_cast<int64_t>(input[0]) % kWidth;
    // The crop is a contiguous window of the whole field (ghost rows included).
    for (int64_t y = 0; y < kCrop; ++y)
      for (int64_t x = 0; x < kCrop; ++x)
        ASSERT_EQ(input[y * kCrop + x], static_cast<float>((row + y) * kWidth + column + x)) << "sample " << i;
    const size_t piece = i / 200;
    const int64_t centre = row + kCrop / 2;
    EXPECT_GE(centre, kPieces[piece].first_row) << "sample " << i;
    EXPECT_LT(centre, kPieces[piece].first_row + kPieces[piece].rows) << "sample " << i;
    ++centres_per_piece[piece];
  }
  EXPECT_EQ(centres_per_piece[0], 200);
  EXPECT_EQ(centres_per_piece[1], 200);
}

TEST(FieldDatasetPieces, StatisticsCountOwnedPointsOnce) {
  const nv::Tensor whole = indexed_field();
  nv::FieldDataset data(nv::TargetKind::input, kCrop, 4, 7);
  add_pieces(data, whole);
  nv::SerialCommunicator single_process;
  const nv::ChannelStatistics stats = data.channel_statistics(single_process);
  // The values 0 .. n-1: mean (n-1)/2, population variance (n²-1)/12.
  const double n = static_cast<double>(kHeight * kWidth);
  EXPECT_NEAR(stats.mean[0], (n - 1) / 2, 1e-6 * n);
  EXPECT_NEAR(stats.stddev[0], std::sqrt((n * n - 1) / 12), 1e-6 * n);
}

TEST(FieldDatasetPieces, ClassCountsCountOwnedLabelsOnce) {
  // Label of a pixel: its row's class, row % 3, so the whole field's counts are known exactly.
  const nv::Tensor whole = indexed_field();
  nv::Tensor labels({kHeight, kWidth});
  for (int64_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<float>((i / kWidth) % 3);
  nv::FieldDataset data(nv::TargetKind::label_map, kCrop, 4, 7);
  for (uint64_t p = 0; p < 2; ++p) {
    const int64_t begin = std::max<int64_t>(0, kPieces[p].first_row - kGhost);
    const int64_t end = std::min<int64_t>(kHeight, kPieces[p].first_row + kPieces[p].rows + kGhost);
    nv::Tensor piece = nv::crop_field(whole, {begin, 0}, {end - begin, kWidth});
    nv::Tensor piece_labels = nv::crop_field(labels.reshaped({1, kHeight, kWidth}), {begin, 0}, {end - begin, kWidth})
                                  .reshaped({end - begin, kWidth});
    data.add_piece(std::move(piece), std::move(piece_labels), {kPieces[p].first_row - begin, 0},
                   {kPieces[p].rows, kWidth}, p);
  }
  const std::vector<double> counts = data.class_counts(3);
  ASSERT_EQ(counts.size(), 3u);
  // 40 rows: 14 of class 0 (0, 3, ..., 39), 13 each of classes 1 and 2; ghost rows are not counted.
  EXPECT_EQ(counts[0], 14.0 * kWidth);
  EXPECT_EQ(counts[1], 13.0 * kWidth);
  EXPECT_EQ(counts[2], 13.0 * kWidth);
  // Ids outside [0, classes) are not counted.
  const std::vector<double> two = data.class_counts(2);
  EXPECT_EQ(two[0] + two[1], 27.0 * kWidth);
}

TEST(FieldDatasetPieces, RejectsPiecesWithoutCropsOrOutsideTheField) {
  nv::FieldDataset whole_fields(nv::TargetKind::input, 0, 1, 7);
  EXPECT_THAT(
      [&] {
        whole_fields.add_piece(indexed_field(), nv::Tensor(), {0, 0}, {10, kWidth}, 0);
      },
      ::testing::ThrowsMessage<std::invalid_argument>(::testing::HasSubstr("needs a crop size")));
  nv::FieldDataset crops(nv::TargetKind::input, kCrop, 1, 7);
  EXPECT_THAT(
      [&] {
        crops.add_piece(indexed_field(), nv::Tensor(), {35, 0}, {10, kWidth}, 0);
      },
      ::testing::ThrowsMessage<std::invalid_argument>(::testing::HasSubstr("outside the piece")));
}

}  // namespace
