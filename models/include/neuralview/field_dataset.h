// Training samples cut from scientific fields: whole fields (time steps,
// blocks of a collection) or seeded random crops of large fields, with a
// per-pixel label map, a per-field target vector, or the field itself
// (autoencoders) as the target.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "neuralview/channel_statistics.h"
#include "neuralview/dataset.h"
#include "neuralview/tensor.h"

namespace nv {

enum class TargetKind {
  label_map,  // segmentation: (spatial...) class ids per pixel
  vector,     // classification (one class id) or regression (k values) per field
  input       // autoencoder: the (normalised) input itself
};

TargetKind target_kind_for_task(const std::string& task);  // throws for an unknown task

class FieldDataset final : public Dataset {
 public:
  // crop: side of the cubic/square crops in pixels, 0 for whole fields.
  // crops_per_field: samples drawn from every field when cropping.
  FieldDataset(TargetKind kind, int64_t crop, int64_t crops_per_field, uint64_t seed);

  // field: (C, H, W) or (C, D, H, W). target: (H, W)/(D, H, W) for label
  // maps, (k) for vectors, empty for autoencoders. Throws
  // std::invalid_argument naming the field index and the mismatch (channel
  // count, rank, shape of whole fields, label map shape, crop larger than
  // the field, NaN values).
  void add_field(Tensor field, Tensor target = {});

  // The sample shapes of a process that holds no field (more processes than
  // samples): it still takes part in training and must report the shapes
  // the others have.
  void expect_sample_shapes(Shape input, Shape target);

  size_t field_count() const { return fields_.size(); }
  const Tensor& field(size_t i) const { return fields_.at(i); }
  const Tensor& target(size_t i) const { return targets_.at(i); }

  // Statistics of the channels over all local fields (collective).
  ChannelStatistics channel_statistics(Communicator& comm) const;
  // (x - mean) / stddev for every field, in place (constant channels centred only).
  void normalise(const std::vector<double>& mean, const std::vector<double>& stddev);

  size_t size() const override;
  Shape sample_input_shape() const override;
  Shape sample_target_shape() const override;
  void load(size_t index, float* input, float* target) const override;

 private:
  std::vector<int64_t> crop_origin(size_t index, const Shape& field_shape) const;

  TargetKind kind_;
  int64_t crop_;
  int64_t crops_per_field_;
  uint64_t seed_;
  std::vector<Tensor> fields_;
  std::vector<Tensor> targets_;
  Shape expected_input_, expected_target_;
};

}  // namespace nv
