// Training samples as the trainer sees them: an indexable collection of
// (input, target) pairs of fixed shapes.
//
// In data-parallel training every process holds its own Dataset with its
// local samples; the trainer numbers samples globally (process 0's first) and
// never moves samples between processes.
#pragma once

#include <cstddef>
#include <vector>

#include "neuralview/tensor.h"

namespace nv {

class Dataset {
 public:
  virtual ~Dataset();
  virtual size_t size() const = 0;
  // Per sample, without the batch dimension: (C, H, W) or (C, D, H, W).
  virtual Shape sample_input_shape() const = 0;
  // Per sample: () or (1) for a class id, (H, W) for a label map, (outputs)
  // for regression targets, the input shape for an autoencoder.
  virtual Shape sample_target_shape() const = 0;
  // Writes sample `index` to input (element_count(sample_input_shape())
  // floats) and target (element_count(sample_target_shape()) floats).
  // Throws std::out_of_range for a bad index. Must be safe to call
  // concurrently for different indices.
  virtual void load(size_t index, float* input, float* target) const = 0;
};

// Samples held in two tensors whose first dimension counts the samples.
class InMemoryDataset final : public Dataset {
 public:
  // Throws std::invalid_argument when the sample counts differ or a tensor
  // has no sample dimension.
  InMemoryDataset(Tensor inputs, Tensor targets);

  size_t size() const override;
  Shape sample_input_shape() const override;
  Shape sample_target_shape() const override;
  void load(size_t index, float* input, float* target) const override;

  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_, targets_;
  int64_t input_stride_ = 0, target_stride_ = 0;
};

// A view of some samples of another dataset, in the given order.
class DatasetSubset final : public Dataset {
 public:
  DatasetSubset(const Dataset& base, std::vector<size_t> indices);
  size_t size() const override { return indices_.size(); }
  Shape sample_input_shape() const override { return base_.sample_input_shape(); }
  Shape sample_target_shape() const override { return base_.sample_target_shape(); }
  void load(size_t index, float* input, float* target) const override;

 private:
  const Dataset& base_;
  std::vector<size_t> indices_;
};

}  // namespace nv
