#include "neuralview/graph_spec.h"

#include <set>
#include <stdexcept>

namespace nv {

namespace {

template <typename T>
const T* typed_attribute(const NodeSpec& node, const std::string& key) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return nullptr;
  const T* value = std::get_if<T>(&it->second);
  if (!value)
    throw std::invalid_argument("attribute '" + key + "' of node '" + node.name + "' (" + node.op +
                                ") has an unexpected type");
  return value;
}

const std::set<std::string>& supported_ops() {
  static const std::set<std::string> ops = {"Conv",
                                            "ConvTranspose",
                                            "MaxPool",
                                            "AveragePool",
                                            "GlobalAveragePool",
                                            "BatchNormalization",
                                            "Dropout",
                                            "Relu",
                                            "LeakyRelu",
                                            "Tanh",
                                            "Sigmoid",
                                            "Softmax",
                                            "Gemm",
                                            "Flatten",
                                            "Concat",
                                            "Add",
                                            "Resize"};
  return ops;
}

}  // namespace

int64_t NodeSpec::int_attribute(const std::string& key, int64_t fallback) const {
  const auto* v = typed_attribute<int64_t>(*this, key);
  return v ? *v : fallback;
}

double NodeSpec::float_attribute(const std::string& key, double fallback) const {
  auto it = attributes.find(key);
  if (it != attributes.end())
    if (const auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  const auto* v = typed_attribute<double>(*this, key);
  return v ? *v : fallback;
}

std::string NodeSpec::string_attribute(const std::string& key, const std::string& fallback) const {
  const auto* v = typed_attribute<std::string>(*this, key);
  return v ? *v : fallback;
}

std::vector<int64_t> NodeSpec::ints_attribute(const std::string& key, const std::vector<int64_t>& fallback) const {
  const auto* v = typed_attribute<std::vector<int64_t>>(*this, key);
  return v ? *v : fallback;
}

void GraphSpec::validate() const {
  if (input_shape.size() != 3 && input_shape.size() != 4)
    throw std::invalid_argument("network '" + name + "' needs a (C,H,W) or (C,D,H,W) input shape, got " +
                                shape_to_string(input_shape));
  std::set<std::string> produced = {input_name};
  for (const NodeSpec& node : nodes) {
    if (!supported_ops().count(node.op))
      throw std::invalid_argument("node '" + node.name + "' uses the unsupported operation '" + node.op + "'");
    if (node.outputs.size() != 1) throw std::invalid_argument("node '" + node.name + "' must have exactly one output");
    for (const std::string& in : node.inputs) {
      if (produced.count(in) || weights.count(in)) continue;
      throw std::invalid_argument("node '" + node.name + "' reads '" + in +
                                  "', which is neither a weight nor produced by an earlier node");
    }
    if (!produced.insert(node.outputs[0]).second)
      throw std::invalid_argument("tensor '" + node.outputs[0] + "' is produced twice");
  }
  if (!produced.count(output_name))
    throw std::invalid_argument("network output '" + output_name + "' is not produced by any node");
}

}  // namespace nv
