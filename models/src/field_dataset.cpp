#include "neuralview/field_dataset.h"

#include "neuralview/predictor.h"  // crop_field

#include <algorithm>
#include <stdexcept>

namespace nv {

namespace {

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string field_name(size_t index) { return "field " + std::to_string(index); }

Shape with_channel_axis(const Shape& spatial) {
  Shape shape{1};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  return shape;
}

}  // namespace

TargetKind target_kind_for_task(const std::string& task) {
  if (task == "segmentation") return TargetKind::label_map;
  if (task == "classification" || task == "regression") return TargetKind::vector;
  if (task == "autoencoder") return TargetKind::input;
  throw std::invalid_argument("unknown task '" + task +
                              "' (expected segmentation, classification, regression or autoencoder)");
}

FieldDataset::FieldDataset(TargetKind kind, int64_t crop, int64_t crops_per_field, uint64_t seed)
    : kind_(kind),
      crop_(std::max<int64_t>(0, crop)),
      crops_per_field_(std::max<int64_t>(1, crops_per_field)),
      seed_(seed) {
  if (crop_ > 0 && kind_ == TargetKind::vector)
    throw std::invalid_argument("crops need a per-pixel target; classification and regression use whole fields");
}

void FieldDataset::add_field(Tensor field, Tensor target) {
  const std::string name = field_name(fields_.size());
  if (field.rank() != 3 && field.rank() != 4)
    throw std::invalid_argument(name + " must be (C, H, W) or (C, D, H, W), got " + shape_to_string(field.shape()));
  if (field.has_non_finite()) throw std::invalid_argument(name + " holds NaN or infinite values");
  if (!fields_.empty()) {
    const Shape& first = fields_.front().shape();
    if (field.rank() != first.size() || field.dim(0) != first[0])
      throw std::invalid_argument(name + " has shape " + shape_to_string(field.shape()) + " but field 0 has " +
                                  shape_to_string(first));
    if (crop_ == 0 && field.shape() != first)
      throw std::invalid_argument(name + " has shape " + shape_to_string(field.shape()) + " but field 0 has " +
                                  shape_to_string(first) + "; whole-field samples must agree (or set a crop size)");
  }
  if (crop_ > 0)
    for (size_t a = 1; a < field.rank(); ++a)
      if (field.dim(a) < crop_)
        throw std::invalid_argument(name + " of shape " + shape_to_string(field.shape()) + " is smaller than crop " +
                                    std::to_string(crop_));
  if (kind_ == TargetKind::label_map) {
    const Shape spatial(field.shape().begin() + 1, field.shape().end());
    if (target.shape() != spatial)
      throw std::invalid_argument(name + ": the label map has shape " + shape_to_string(target.shape()) +
                                  ", expected " + shape_to_string(spatial));
  } else if (kind_ == TargetKind::vector) {
    if (target.rank() != 1 || target.size() == 0)
      throw std::invalid_argument(name + ": expected a target vector, got shape " + shape_to_string(target.shape()));
    if (!targets_.empty() && target.size() != targets_.front().size())
      throw std::invalid_argument(name + " has " + std::to_string(target.size()) + " target values, field 0 has " +
                                  std::to_string(targets_.front().size()));
  }
  if (target.has_non_finite()) throw std::invalid_argument(name + ": the target holds NaN or infinite values");
  fields_.push_back(std::move(field));
  targets_.push_back(std::move(target));
  owned_.emplace_back();
}

void FieldDataset::add_piece(Tensor field, Tensor target, std::vector<int64_t> owned_begin,
                             std::vector<int64_t> owned_size, uint64_t piece) {
  const std::string name = field_name(fields_.size());
  if (crop_ <= 0) throw std::invalid_argument(name + ": training on pieces of a field needs a crop size");
  const size_t dims = field.rank() >= 1 ? field.rank() - 1 : 0;
  if (owned_begin.size() != dims || owned_size.size() != dims)
    throw std::invalid_argument(name + ": the owned part must give " + std::to_string(dims) + " axes");
  for (size_t a = 0; a < dims; ++a)
    if (owned_begin[a] < 0 || owned_size[a] < 1 || owned_begin[a] + owned_size[a] > field.dim(a + 1))
      throw std::invalid_argument(name + ": owned part [" + std::to_string(owned_begin[a]) + ", " +
                                  std::to_string(owned_begin[a] + owned_size[a]) + ") of axis " + std::to_string(a) +
                                  " lies outside the piece of shape " + shape_to_string(field.shape()));
  add_field(std::move(field), std::move(target));
  owned_.back() = Owned{std::move(owned_begin), std::move(owned_size), piece};
}

ChannelStatistics FieldDataset::channel_statistics(Communicator& comm) const {
  // A rank may hold no fields; the channel count then comes from the others.
  double channels = fields_.empty() ? 0.0 : static_cast<double>(fields_.front().dim(0));
  comm.allreduce_max(&channels, 1);
  if (channels < 1) throw std::invalid_argument("no process holds any training field");
  ChannelStatisticsAccumulator accumulator(static_cast<size_t>(channels));
  for (size_t k = 0; k < fields_.size(); ++k) {
    // Owned points only: ghost layers belong to (and are counted by) a neighbour.
    const Tensor f = owned_[k].begin.empty() ? fields_[k] : crop_field(fields_[k], owned_[k].begin, owned_[k].size);
    const int64_t C = f.dim(0), n = f.size() / C;
    std::vector<float> interleaved(static_cast<size_t>(f.size()));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < n; ++i) interleaved[i * C + c] = f[c * n + i];
    accumulator.add_interleaved(interleaved.data(), static_cast<size_t>(n));
  }
  return accumulator.reduce(comm);
}

std::vector<double> FieldDataset::class_counts(int64_t classes) const {
  std::vector<double> counts(static_cast<size_t>(std::max<int64_t>(classes, 0)), 0.0);
  for (size_t k = 0; k < targets_.size(); ++k) {
    const Tensor& t = targets_[k];
    const bool piece_map = kind_ == TargetKind::label_map && !owned_[k].begin.empty();
    // A label map has no channel axis; crop_field wants one.
    const Tensor owned =
        piece_map ? crop_field(t.reshaped(with_channel_axis(t.shape())), owned_[k].begin, owned_[k].size) : t;
    for (float v : owned.values())
      if (v >= 0 && v < classes) counts[static_cast<size_t>(v)] += 1;
  }
  return counts;
}

void FieldDataset::normalise(const std::vector<double>& mean, const std::vector<double>& stddev) {
  for (Tensor& f : fields_) {
    const int64_t C = f.dim(0), n = f.size() / C;
    if (static_cast<int64_t>(mean.size()) != C || static_cast<int64_t>(stddev.size()) != C)
      throw std::invalid_argument("normalisation has " + std::to_string(mean.size()) + " channels, fields have " +
                                  std::to_string(C));
    for (int64_t c = 0; c < C; ++c) {
      const float scale = static_cast<float>(stddev[c] > 0 ? 1.0 / stddev[c] : 1.0);
      const float shift = static_cast<float>(mean[c]);
      for (int64_t i = 0; i < n; ++i) f[c * n + i] = (f[c * n + i] - shift) * scale;
    }
  }
}

size_t FieldDataset::size() const { return fields_.size() * (crop_ > 0 ? crops_per_field_ : 1); }

void FieldDataset::expect_sample_shapes(Shape input, Shape target) {
  expected_input_ = std::move(input);
  expected_target_ = std::move(target);
}

Shape FieldDataset::sample_input_shape() const {
  if (fields_.empty()) return expected_input_;
  Shape shape = fields_.front().shape();
  if (crop_ > 0)
    for (size_t a = 1; a < shape.size(); ++a) shape[a] = crop_;
  return shape;
}

Shape FieldDataset::sample_target_shape() const {
  if (fields_.empty()) return expected_target_;
  switch (kind_) {
    case TargetKind::label_map: {
      Shape input = sample_input_shape();
      return Shape(input.begin() + 1, input.end());
    }
    case TargetKind::vector:
      return targets_.front().shape();
    case TargetKind::input:
      return sample_input_shape();
  }
  return {};
}

std::vector<int64_t> FieldDataset::crop_origin(size_t index, const Shape& field_shape) const {
  // Positions hashed from (seed, sample index): the same crops on every run
  // and with any thread count.
  std::vector<int64_t> origin(field_shape.size() - 1, 0);
  const Owned& owned = owned_[crop_ > 0 ? index / crops_per_field_ : index];
  const uint64_t seed = owned.begin.empty() ? seed_ : seed_ ^ mix(0x9e3779b97f4a7c15ULL + owned.piece);
  for (size_t a = 0; a < origin.size(); ++a) {
    // Origins whose crop lies in the field and, for a piece, whose centre lies in the owned part.
    int64_t lowest = 0, highest = field_shape[a + 1] - crop_;
    if (!owned.begin.empty()) {
      lowest = std::max(lowest, owned.begin[a] - crop_ / 2);
      highest = std::min(highest, owned.begin[a] + owned.size[a] - 1 - crop_ / 2);
      if (highest < lowest) highest = lowest;  // a thin piece at the field's edge: the nearest crop
    }
    const uint64_t span = static_cast<uint64_t>(highest - lowest + 1);
    origin[a] = lowest + static_cast<int64_t>(mix(seed ^ mix(index * 8 + a)) % span);
  }
  return origin;
}

void FieldDataset::load(size_t index, float* input, float* target) const {
  if (index >= size()) throw std::out_of_range("sample " + std::to_string(index) + " of " + std::to_string(size()));
  const size_t which = crop_ > 0 ? index / crops_per_field_ : index;
  const Tensor& f = fields_[which];
  const Tensor& t = targets_[which];
  if (crop_ == 0) {
    std::copy(f.data(), f.data() + f.size(), input);
    if (kind_ == TargetKind::input)
      std::copy(f.data(), f.data() + f.size(), target);
    else
      std::copy(t.data(), t.data() + t.size(), target);
    return;
  }
  const std::vector<int64_t> origin = crop_origin(index, f.shape());
  const bool is3d = f.rank() == 4;
  const int64_t C = f.dim(0), D = is3d ? f.dim(1) : 1, H = f.dim(f.rank() - 2), W = f.dim(f.rank() - 1);
  const int64_t cd = is3d ? crop_ : 1, d0 = is3d ? origin[0] : 0;
  const int64_t h0 = origin[origin.size() - 2], w0 = origin.back();
  float* in = input;
  float* tg = target;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t d = 0; d < cd; ++d)
      for (int64_t h = 0; h < crop_; ++h) {
        const float* src = f.data() + ((c * D + d0 + d) * H + h0 + h) * W + w0;
        in = std::copy(src, src + crop_, in);
        if (kind_ == TargetKind::input) tg = std::copy(src, src + crop_, tg);
        if (kind_ == TargetKind::label_map && c == 0) {
          const float* label = t.data() + ((d0 + d) * H + h0 + h) * W + w0;
          tg = std::copy(label, label + crop_, tg);
        }
      }
}

}  // namespace nv
