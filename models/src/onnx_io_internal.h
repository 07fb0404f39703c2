// Pieces shared by the ONNX writer and reader (private to models/).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"

namespace nv::onnx_detail {

// A small constant tensor known at load time: an initializer, a Constant
// node, or the result of a shape computation. Integer tensors may hold the
// symbolic batch size, kUnknown.
struct ConstTensor {
  enum class Kind { real, integer };
  Kind kind = Kind::real;
  Shape dims;
  std::vector<float> reals;   // kind == real
  std::vector<int64_t> ints;  // kind == integer
  int64_t size() const { return kind == Kind::real ? int64_t(reals.size()) : int64_t(ints.size()); }
  double as_double(int64_t i) const;
  int64_t as_int(int64_t i) const;  // kUnknown stays kUnknown; reals are truncated
};

inline constexpr int64_t kUnknown = std::numeric_limits<int64_t>::min();

// Throws std::runtime_error (not a valid model) for inconsistent data or
// std::invalid_argument for unsupported element types and external data.
ConstTensor const_from_proto(const onnx::TensorProto& proto, const std::string& context);
void tensor_to_proto(const std::string& name, const Tensor& tensor, onnx::TensorProto& proto);

// The double whose shortest decimal form is that of the float: 1e-5f gives
// 1e-5, so attributes survive a float round trip through the file.
double float_to_double_shortest(float value);

// Evaluates an operation whose inputs are all constants. `inputs` has one
// entry per node input ("" inputs are nullptr). Returns false when the op is
// not one the evaluator knows. Throws std::invalid_argument naming the node
// when the op is known but its inputs do not fit.
bool evaluate_constant_node(const onnx::NodeProto& node, int64_t opset, const std::vector<const ConstTensor*>& inputs,
                            std::vector<ConstTensor>& outputs);

// Metadata in metadata_props.
void metadata_to_props(const ModelMetadata& metadata, onnx::ModelProto& model);
ModelMetadata metadata_from_props(const onnx::ModelProto& model, const std::string& source);

inline constexpr char kNodeAttributesKey[] = "nv_node_attributes";

std::string describe_node(const onnx::NodeProto& node);

}  // namespace nv::onnx_detail
