#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "neuralview/tensor.h"

namespace {

TEST(Tensor, ShapeAndFill) {
  nv::Tensor t({2, 3, 4, 5}, 1.5f);
  EXPECT_EQ(t.size(), 120);
  EXPECT_EQ(t.rank(), 4u);
  EXPECT_EQ(t[119], 1.5f);
  EXPECT_FALSE(t.has_non_finite());
}

TEST(Tensor, RejectsMismatchedValueCount) {
  EXPECT_THAT(
      [] {
        nv::Tensor({2, 2}, std::vector<float>(3));
      },
      ::testing::ThrowsMessage<std::invalid_argument>(::testing::HasSubstr("needs 4 values, got 3")));
}

TEST(Tensor, RejectsOverflowingShape) {
  const int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_THROW(nv::element_count({big, 4}), std::invalid_argument);
  EXPECT_THROW(nv::element_count({-1, 4}), std::invalid_argument);
}

TEST(Tensor, ReshapeKeepsData) {
  nv::Tensor t({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  nv::Tensor r = t.reshaped({3, 2});
  EXPECT_EQ(r.dim(0), 3);
  EXPECT_EQ(r[5], 6.0f);
  EXPECT_THROW(t.reshaped({4, 2}), std::invalid_argument);
}

TEST(Tensor, DetectsNonFinite) {
  nv::Tensor t({3});
  t[1] = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(t.has_non_finite());
}

}  // namespace
