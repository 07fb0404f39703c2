// Constructors of the engine's layer types (one family per layer_*.cpp).
#pragma once

#include <memory>

#include "engine_plan.h"

namespace nv::engine {

std::unique_ptr<Layer> make_convolution_layer(const NodeSpec& node, const NodeGeometry& geometry,
                                              const NodeSpec* batchnorm, const NodeSpec* activation);
std::unique_ptr<Layer> make_pooling_layer(const NodeSpec& node, const NodeGeometry& geometry);
std::unique_ptr<Layer> make_batchnorm_layer(const NodeSpec& node, const NodeGeometry& geometry, const NodeSpec* relu);
std::unique_ptr<Layer> make_eltwise_layer(const NodeSpec& node, const NodeGeometry& geometry);
std::unique_ptr<Layer> make_softmax_layer(const NodeSpec& node, const NodeGeometry& geometry);
std::unique_ptr<Layer> make_dense_layer(const NodeSpec& node, const NodeGeometry& geometry, const NodeSpec* activation);
std::unique_ptr<Layer> make_flatten_layer(const NodeSpec& node, const NodeGeometry& geometry, bool as_view);
std::unique_ptr<Layer> make_concat_layer(const NodeSpec& node, const NodeGeometry& geometry);
std::unique_ptr<Layer> make_add_layer(const NodeSpec& node, const NodeGeometry& geometry);
std::unique_ptr<Layer> make_dropout_layer(const NodeSpec& node, const NodeGeometry& geometry);
std::unique_ptr<Layer> make_resize_layer(const NodeSpec& node, const NodeGeometry& geometry);

// Helpers shared by the layer files.
// A primitive step with its arguments.
Step primitive_step(const std::string& label, const dnnl::primitive& primitive, std::unordered_map<int, memory> args,
                    bool input_gradient_only = false);
// `source` in the wanted layout, reordered inside `steps` when needed.
memory in_layout(Plan& plan, std::vector<Step>& steps, const memory& source, const memory::desc& wanted,
                 const std::string& label, bool input_gradient_only = false);

}  // namespace nv::engine
