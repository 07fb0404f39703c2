#include "neuralview/dataset.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace nv {

Dataset::~Dataset() = default;

InMemoryDataset::InMemoryDataset(Tensor inputs, Tensor targets)
    : inputs_(std::move(inputs)), targets_(std::move(targets)) {
  if (inputs_.rank() < 1 || targets_.rank() < 1)
    throw std::invalid_argument("in-memory dataset: inputs and targets need a leading sample dimension");
  if (inputs_.dim(0) != targets_.dim(0))
    throw std::invalid_argument("in-memory dataset: " + std::to_string(inputs_.dim(0)) + " inputs but " +
                                std::to_string(targets_.dim(0)) + " targets");
  input_stride_ = element_count(sample_input_shape());
  target_stride_ = element_count(sample_target_shape());
}

size_t InMemoryDataset::size() const { return static_cast<size_t>(inputs_.dim(0)); }

Shape InMemoryDataset::sample_input_shape() const { return Shape(inputs_.shape().begin() + 1, inputs_.shape().end()); }

Shape InMemoryDataset::sample_target_shape() const {
  return Shape(targets_.shape().begin() + 1, targets_.shape().end());
}

void InMemoryDataset::load(size_t index, float* input, float* target) const {
  if (index >= size())
    throw std::out_of_range("in-memory dataset: sample " + std::to_string(index) + " of " + std::to_string(size()));
  const int64_t i = static_cast<int64_t>(index);
  std::copy_n(inputs_.data() + i * input_stride_, input_stride_, input);
  std::copy_n(targets_.data() + i * target_stride_, target_stride_, target);
}

DatasetSubset::DatasetSubset(const Dataset& base, std::vector<size_t> indices)
    : base_(base), indices_(std::move(indices)) {
  for (size_t i : indices_)
    if (i >= base_.size())
      throw std::out_of_range("dataset subset: index " + std::to_string(i) + " beyond " + std::to_string(base_.size()) +
                              " samples");
}

void DatasetSubset::load(size_t index, float* input, float* target) const {
  if (index >= indices_.size())
    throw std::out_of_range("dataset subset: sample " + std::to_string(index) + " of " +
                            std::to_string(indices_.size()));
  base_.load(indices_[index], input, target);
}

}  // namespace nv
