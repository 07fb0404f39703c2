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
  // A field that is one process's piece of a larger field, with ghost layers
  // around the part it owns, [owned_begin, owned_begin + owned_size) per
  // spatial axis (tensor order). Crops are centred in the owned part, so the
  // processes together sample the whole field evenly while a crop may reach
  // into the ghost layers, and channel statistics count owned points only.
  // piece: the piece number, which decorrelates the crop positions of
  // different pieces. Needs a crop size; throws std::invalid_argument as
  // add_field does, or for an owned part outside the field.
  void add_piece(Tensor field, Tensor target, std::vector<int64_t> owned_begin, std::vector<int64_t> owned_size,
                 uint64_t piece);

  // The sample shapes of a process that holds no field (more processes than
  // samples): it still takes part in training and must report the shapes
  // the others have.
  void expect_sample_shapes(Shape input, Shape target);

  size_t field_count() const { return fields_.size(); }
  const Tensor& field(size_t i) const { return fields_.at(i); }
  const Tensor& target(size_t i) const { return targets_.at(i); }

  // Statistics of the channels over all local fields (collective).
  ChannelStatistics channel_statistics(Communicator& comm) const;
  // How many target values of each class id in [0, classes) the local fields
  // hold, counting owned points only (like channel_statistics), so that a
  // sum over processes counts every point of a split field once. Values
  // outside the range are not counted. Not collective.
  std::vector<double> class_counts(int64_t classes) const;
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
  struct Owned {
    std::vector<int64_t> begin, size;  // empty: the whole field
    uint64_t piece = 0;
  };
  std::vector<Owned> owned_;
  Shape expected_input_, expected_target_;
};

}  // namespace nv
