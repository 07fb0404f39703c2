// The helpers behind NetworkActivations on split fields (filters/nvModelInput,
// filters/nvPieceExtent): resampling part of a layer's grid gives exactly the
// matching part of the whole resampling, windows stay on the pooling grid,
// row-wise cropping equals vtkImageData::Crop, and a layer's reach.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "neuralview/predictor.h"
#include "neuralview/presets.h"
#include "nvModelInput.h"
#include "nvPieceExtent.h"
#include "vtkCellData.h"
#include "vtkDoubleArray.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkIntArray.h"
#include "vtkNew.h"
#include "vtkPointData.h"

namespace {

nv::Tensor random_tensor(const nv::Shape& shape, unsigned seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> normal;
  nv::Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = normal(random);
  return t;
}

// PyTorch's interpolate (align_corners=False) written out for a (C, H, W) map, in double.
double bilinear_reference(const nv::Tensor& map, int64_t c, int64_t y, int64_t x, int64_t H, int64_t W) {
  const int64_t h = map.dim(1), w = map.dim(2);
  auto source = [](int64_t i, int64_t n, int64_t N, int64_t& lo, int64_t& hi) {
    const double u = std::max(0.0, (i + 0.5) * n / N - 0.5);
    lo = std::min<int64_t>(static_cast<int64_t>(u), n - 1);
    hi = std::min<int64_t>(lo + 1, n - 1);
    return u - lo;
  };
  int64_t y0, y1, x0, x1;
  const double fy = source(y, h, H, y0, y1), fx = source(x, w, W, x0, x1);
  auto at = [&](int64_t yy, int64_t xx) { return static_cast<double>(map[(c * h + yy) * w + xx]); };
  return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
}

}  // namespace

TEST(InspectionPieces, LinearResamplingIsPyTorchsInterpolate) {
  const nv::Tensor map = random_tensor({2, 5, 7}, 1);
  const nv::Tensor up = nv::resample_to_grid(map, {11, 15}, true);
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t y = 0; y < 11; ++y)
      for (int64_t x = 0; x < 15; ++x)
        EXPECT_NEAR(up[(c * 11 + y) * 15 + x], bilinear_reference(map, c, y, x, 11, 15), 1e-5)
            << "at " << c << "," << y << "," << x;  // float blends of O(1) values
}

TEST(InspectionPieces, PartOfTheResamplingEqualsThePartOfTheWholeOne) {
  // Layer grids that do not divide the target (floor pooling of odd sides), 2-D and 3-D.
  for (const auto& [layer, target] :
       std::vector<std::pair<nv::Shape, nv::Shape>>{{{6, 11}, {13, 23}}, {{3, 4, 5}, {7, 9, 11}}}) {
    nv::Shape with_channels{3};
    with_channels.insert(with_channels.end(), layer.begin(), layer.end());
    const nv::Tensor map = random_tensor(with_channels, 2);
    for (const bool linear : {false, true}) {
      const nv::Tensor whole = nv::resample_to_grid(map, target, linear);
      std::mt19937 random(3);
      for (int trial = 0; trial < 20; ++trial) {
        const size_t axes = target.size();
        nv::Shape begin(axes), size(axes), source_begin(axes), source_size(axes);
        for (size_t a = 0; a < axes; ++a) {
          begin[a] = std::uniform_int_distribution<int64_t>(0, target[a] - 1)(random);
          size[a] = std::uniform_int_distribution<int64_t>(1, target[a] - begin[a])(random);
          int64_t first, last;
          nv::resample_sources(layer[a], target[a], begin[a], begin[a] + size[a], linear, first, last);
          // Only the values it needs (and at most one more on each side).
          source_begin[a] = std::max<int64_t>(0, first - trial % 2);
          source_size[a] = std::min<int64_t>(layer[a], last + 1 + trial % 2) - source_begin[a];
        }
        const nv::Tensor part = nv::resample_window_to_grid(nv::crop_field(map, source_begin, source_size),
                                                            source_begin, layer, begin, size, target, linear);
        const nv::Tensor expected = nv::crop_field(whole, begin, size);
        ASSERT_EQ(part.shape(), expected.shape());
        for (int64_t i = 0; i < part.size(); ++i)
          ASSERT_EQ(part[i], expected[i]) << "value " << i << " of trial " << trial << " (linear " << linear << ")";
      }
    }
  }
}

TEST(InspectionPieces, PastingTilesRebuildsTheField) {
  for (const nv::Shape& shape : {nv::Shape{2, 7, 10}, nv::Shape{2, 5, 6, 7}}) {
    const nv::Tensor field = random_tensor(shape, 6);
    nv::Tensor rebuilt(shape, -1.0f);
    const size_t axes = shape.size() - 1;
    // Tiles of 3 along every axis (smaller last tiles).
    int64_t tiles = 1;
    for (size_t t = 0; t < axes; ++t) tiles *= (shape[t + 1] + 2) / 3;
    for (int64_t index = 0; index < tiles; ++index) {
      nv::Shape begin(axes), size(axes);
      int64_t rest = index;
      for (size_t t = axes; t-- > 0;) {
        const int64_t count = (shape[t + 1] + 2) / 3;
        begin[t] = rest % count * 3;
        rest /= count;
        size[t] = std::min<int64_t>(3, shape[t + 1] - begin[t]);
      }
      nv::paste_field(nv::crop_field(field, begin, size), rebuilt, begin);
    }
    for (int64_t i = 0; i < field.size(); ++i) ASSERT_EQ(rebuilt[i], field[i]) << i;
  }
  nv::Tensor small({1, 2, 2});
  EXPECT_THROW(nv::paste_field(nv::Tensor({1, 2, 2}), small, {1, 0}), std::invalid_argument);
}

TEST(InspectionPieces, ResamplingRefusesAWindowThatLacksValues) {
  const nv::Tensor map = random_tensor({1, 4, 4}, 4);
  // Target 0..3 of 8 reads layer values 0..2; a window from 1 lacks value 0.
  EXPECT_THROW(
      nv::resample_window_to_grid(nv::crop_field(map, {1, 1}, {3, 3}), {1, 1}, {4, 4}, {0, 0}, {4, 4}, {8, 8}, true),
      std::logic_error);
}

TEST(InspectionPieces, WindowsStayOnThePoolingGrid) {
  for (int64_t whole : {16, 61}) {
    for (int64_t F : {1, 2, 4})
      for (int64_t R : {0, 3, 9})
        for (int64_t begin = 0; begin < whole; begin += 3)
          for (int64_t end = begin + 1; end <= whole; end += 5) {
            const nv::AxisWindow w = nv::aligned_window(whole, begin, end, F, R);
            EXPECT_EQ(w.begin % F, 0);
            EXPECT_TRUE(w.end % F == 0 || w.end == whole) << w.end;
            EXPECT_LE(w.begin, std::max<int64_t>(0, begin - R));
            EXPECT_GE(w.end, std::min(whole, end + R));
            EXPECT_GE(w.begin, 0);
            EXPECT_LE(w.end, whole);
          }
  }
}

TEST(InspectionPieces, RowWiseCropEqualsVtkCrop) {
  for (const bool flat : {true, false}) {
    vtkNew<vtkImageData> image;
    const int extent[6] = {2, 14, -3, 9, 0, flat ? 0 : 6};
    image->SetExtent(const_cast<int*>(extent));
    image->SetOrigin(0.5, -1, 2);
    image->SetSpacing(0.25, 2, 1);
    vtkNew<vtkFloatArray> scalars;
    scalars->SetName("Intensity");
    scalars->SetNumberOfTuples(image->GetNumberOfPoints());
    vtkNew<vtkDoubleArray> vectors;
    vectors->SetName("Wind");
    vectors->SetNumberOfComponents(3);
    vectors->SetNumberOfTuples(image->GetNumberOfPoints());
    for (vtkIdType i = 0; i < image->GetNumberOfPoints(); ++i) {
      scalars->SetValue(i, static_cast<float>(i) * 0.5f);
      for (int c = 0; c < 3; ++c) vectors->SetComponent(i, c, i * 3.0 + c);
    }
    vtkNew<vtkIntArray> labels;
    labels->SetName("Label");
    labels->SetNumberOfTuples(image->GetNumberOfCells());
    for (vtkIdType i = 0; i < image->GetNumberOfCells(); ++i) labels->SetValue(i, static_cast<int>(7 * i % 5));
    image->GetPointData()->AddArray(vectors);
    image->GetPointData()->SetScalars(scalars);
    image->GetCellData()->SetScalars(labels);

    const int piece[6] = {5, 11, 0, 4, 0, flat ? 0 : 3};
    vtkNew<vtkImageData> mine, theirs;
    nv::crop_image(image, piece, mine);
    theirs->ShallowCopy(image);
    theirs->Crop(piece);
    int a[6], b[6];
    mine->GetExtent(a);
    theirs->GetExtent(b);
    for (int k = 0; k < 6; ++k) EXPECT_EQ(a[k], b[k]);
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(mine->GetOrigin()[k], theirs->GetOrigin()[k]);
      EXPECT_EQ(mine->GetSpacing()[k], theirs->GetSpacing()[k]);
    }
    for (vtkDataSetAttributes* attributes : {static_cast<vtkDataSetAttributes*>(theirs->GetPointData()),
                                             static_cast<vtkDataSetAttributes*>(theirs->GetCellData())}) {
      const bool points = attributes == theirs->GetPointData();
      vtkDataSetAttributes* own = points ? static_cast<vtkDataSetAttributes*>(mine->GetPointData())
                                         : static_cast<vtkDataSetAttributes*>(mine->GetCellData());
      ASSERT_EQ(own->GetNumberOfArrays(), attributes->GetNumberOfArrays());
      for (int i = 0; i < attributes->GetNumberOfArrays(); ++i) {
        vtkDataArray* expected = attributes->GetArray(i);
        vtkDataArray* actual = own->GetArray(expected->GetName());
        ASSERT_NE(actual, nullptr) << expected->GetName();
        EXPECT_STREQ(actual->GetClassName(), expected->GetClassName());
        ASSERT_EQ(actual->GetNumberOfTuples(), expected->GetNumberOfTuples());
        ASSERT_EQ(actual->GetNumberOfComponents(), expected->GetNumberOfComponents());
        for (vtkIdType t = 0; t < expected->GetNumberOfTuples(); ++t)
          for (int c = 0; c < expected->GetNumberOfComponents(); ++c)
            ASSERT_EQ(actual->GetComponent(t, c), expected->GetComponent(t, c)) << expected->GetName() << " " << t;
      }
      ASSERT_NE(own->GetScalars(), nullptr);
      EXPECT_STREQ(own->GetScalars()->GetName(), attributes->GetScalars()->GetName());
    }
  }
}

TEST(InspectionPieces, CroppingToAnEmptyPieceGivesEmptyArrays) {
  vtkNew<vtkImageData> image;
  image->SetDimensions(4, 3, 1);
  vtkNew<vtkFloatArray> scalars;
  scalars->SetName("Intensity");
  scalars->SetNumberOfTuples(12);
  image->GetPointData()->SetScalars(scalars);
  const int nothing[6] = {0, -1, 0, -1, 0, -1};  // two negative sides must not make a positive count
  vtkNew<vtkImageData> piece;
  nv::crop_image(image, nothing, piece);
  EXPECT_EQ(piece->GetNumberOfPoints(), 0);
  ASSERT_NE(piece->GetPointData()->GetArray("Intensity"), nullptr);
  EXPECT_EQ(piece->GetPointData()->GetArray("Intensity")->GetNumberOfTuples(), 0);
}

TEST(InspectionPieces, LayerReachOfAClassifier) {
  // classifier-small: conv-bn-relu 16, max-pool 2, conv-bn-relu 32, global pool, dense.
  const nv::GraphSpec model = nv::build_preset("classifier-small", {1, 24, 24}, 2, 5);
  const nv::LayerReach first = nv::layer_reach(model, "relu1");
  EXPECT_TRUE(first.local);
  EXPECT_EQ(first.stride, 1);
  EXPECT_EQ(first.alignment, 1);
  EXPECT_EQ(first.radius, 1);  // one 3x3 convolution
  const nv::LayerReach second = nv::layer_reach(model, "relu2");
  EXPECT_TRUE(second.local);
  EXPECT_EQ(second.stride, 2);
  EXPECT_EQ(second.alignment, 2);
  EXPECT_GE(second.radius, 4);  // 3x3 conv, 2x2 pool, 3x3 conv at stride 2: at least 1 + 1 + 2
  EXPECT_FALSE(nv::layer_reach(model, "logits").local);
  EXPECT_EQ(nv::layer_spatial_shape(model, "relu2", {61, 47}), (nv::Shape{30, 23}));
  EXPECT_EQ(nv::last_spatial_layer(model, {61, 47}), "relu2");
  EXPECT_THROW(nv::layer_reach(model, "nonsense"), std::invalid_argument);
  // The part up to relu2 runs on a window of any size (the dense head would not).
  const nv::GraphSpec part = nv::model_up_to(model, "relu2");
  EXPECT_EQ(part.output_name, "relu2");
  EXPECT_EQ(part.nodes.back().outputs.at(0), "relu2");
}
