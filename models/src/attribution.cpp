// Attribution on a frozen copy of the network (see attribution.h): scores and
// gradients through training-mode forward/backward of the frozen graph, in
// chunks of the engine batch.
#include "neuralview/attribution.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

namespace nv {
namespace {

// Which inputs of a node are activations (the rest are weights), as the engine.
size_t activation_inputs(const NodeSpec& node) {
  if (node.op == "Concat" || node.op == "Add") return node.inputs.size();
  return std::min<size_t>(1, node.inputs.size());
}

Shape without_batch(const Shape& shape) { return Shape(shape.begin() + 1, shape.end()); }

std::string unused_name(const GraphSpec& spec, const std::string& wanted) {
  std::string name = wanted;
  for (int suffix = 1; spec.weights.count(name); ++suffix) name = wanted + "_" + std::to_string(suffix);
  return name;
}

// Runs fn(start, count) over [0, total) in chunks of at most `batch`.
void for_each_chunk(int64_t total, int64_t batch, const std::function<void(int64_t, int64_t)>& fn) {
  for (int64_t start = 0; start < total; start += batch) fn(start, std::min(batch, total - start));
}

}  // namespace

namespace {

GraphSpec fold_batch_normalization(const GraphSpec& spec, bool remove_dropout);

}  // namespace

GraphSpec freeze_for_attribution(const GraphSpec& spec) { return fold_batch_normalization(spec, true); }

GraphSpec fold_batch_normalization_keep_dropout(const GraphSpec& spec) { return fold_batch_normalization(spec, false); }

namespace {

GraphSpec fold_batch_normalization(const GraphSpec& spec, bool remove_dropout) {
  spec.validate();
  // Tensor shapes (for the rank of BatchNormalization inputs) from a probe network.
  const Network probe(spec, 1);
  GraphSpec frozen = spec;
  frozen.nodes.clear();
  std::map<std::string, std::string> replaced;  // Dropout output -> its input
  auto resolve = [&](std::string name) {
    for (auto it = replaced.find(name); it != replaced.end(); it = replaced.find(name)) name = it->second;
    return name;
  };
  for (const NodeSpec& original : spec.nodes) {
    NodeSpec node = original;
    for (size_t slot = 0; slot < activation_inputs(node); ++slot) node.inputs[slot] = resolve(node.inputs[slot]);
    if (node.op == "Dropout" && remove_dropout) {
      replaced[node.outputs[0]] = node.inputs[0];
      continue;
    }
    if (node.op == "BatchNormalization") {
      const Shape shape = probe.tensor_shape(original.inputs[0]);
      if (shape.size() < 3)
        throw std::invalid_argument("attribution: BatchNormalization '" + node.name +
                                    "' acts on a tensor without spatial axes (" + shape_to_string(shape) +
                                    "), which cannot be frozen into a depthwise convolution");
      const int64_t channels = shape[1];
      const double epsilon = node.float_attribute("epsilon", 1e-5);
      const Tensor& scale = spec.weights.at(node.inputs[1]);
      const Tensor& shift = spec.weights.at(node.inputs[2]);
      const Tensor& mean = spec.weights.at(node.inputs[3]);
      const Tensor& variance = spec.weights.at(node.inputs[4]);
      Shape kernel_shape(shape.size() - 2, 1);
      Shape weight_shape{channels, 1};
      weight_shape.insert(weight_shape.end(), kernel_shape.begin(), kernel_shape.end());
      Tensor weight(weight_shape), bias(Shape{channels});
      for (int64_t c = 0; c < channels; ++c) {
        const double factor = static_cast<double>(scale[c]) / std::sqrt(static_cast<double>(variance[c]) + epsilon);
        weight[c] = static_cast<float>(factor);
        bias[c] = static_cast<float>(static_cast<double>(shift[c]) - static_cast<double>(mean[c]) * factor);
      }
      for (size_t slot = 1; slot < node.inputs.size(); ++slot) frozen.weights.erase(node.inputs[slot]);
      const std::string weight_name = unused_name(frozen, node.name + "_frozen_weight");
      frozen.weights[weight_name] = std::move(weight);
      const std::string bias_name = unused_name(frozen, node.name + "_frozen_bias");
      frozen.weights[bias_name] = std::move(bias);
      NodeSpec conv;
      conv.name = node.name;
      conv.op = "Conv";
      conv.inputs = {node.inputs[0], weight_name, bias_name};
      conv.outputs = node.outputs;
      conv.attributes["kernel_shape"] = kernel_shape;
      conv.attributes["strides"] = kernel_shape;
      conv.attributes["pads"] = std::vector<int64_t>(2 * kernel_shape.size(), 0);
      conv.attributes["group"] = channels;
      frozen.nodes.push_back(std::move(conv));
      continue;
    }
    frozen.nodes.push_back(std::move(node));
  }
  frozen.output_name = resolve(spec.output_name);
  frozen.validate();
  return frozen;
}

}  // namespace

Tensor reduce_channels_max_abs(const Tensor& attribution) {
  if (attribution.rank() < 2)
    throw std::invalid_argument("reduce_channels_max_abs: expected (N, C, ...), got " +
                                shape_to_string(attribution.shape()));
  Shape shape = attribution.shape();
  const int64_t samples = shape[0], channels = shape[1];
  const int64_t positions = attribution.size() / std::max<int64_t>(samples * channels, 1);
  shape[1] = 1;
  Tensor result(shape);
  for (int64_t n = 0; n < samples; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < positions; ++p)
        result[n * positions + p] =
            std::max(result[n * positions + p], std::abs(attribution[(n * channels + c) * positions + p]));
  return result;
}

struct AttributionModel::Impl {
  GraphSpec frozen;
  int64_t batch = 1;
  NetworkOptions options;
  std::unique_ptr<Network> network;
  Shape input_shape, output_shape;  // per sample
  std::string tail_layer;
  std::unique_ptr<Network> tail;  // sub-graph from tail_layer to the output (Grad-CAM)
  std::string probe_layer;
  std::unique_ptr<Network> probe;  // the graph with an identity probe after probe_layer (Grad-CAM anywhere)
  std::string probe_bias;

  // The frozen graph with A' = identity depthwise 1×1 convolution of A
  // inserted after `layer`, every consumer of A reading A' instead.
  Network& probe_network(const std::string& layer) {
    if (probe && probe_layer == layer) return *probe;
    const Shape shape = network->tensor_shape(layer);  // throws for an unknown name
    if (shape.size() < 3)
      throw std::invalid_argument("Grad-CAM: layer '" + layer + "' has shape " + shape_to_string(shape) +
                                  " without spatial axes; choose a convolutional feature map");
    const int64_t channels = shape[1];
    GraphSpec probed = frozen;
    const std::string probed_name = unused_name(probed, layer + "_gradcam_probe");
    const std::string weight_name = unused_name(probed, probed_name + "_weight");
    const std::string bias_name = unused_name(probed, probed_name + "_bias");
    Shape kernel(shape.size() - 2, 1);
    Shape weight_shape{channels, 1};
    weight_shape.insert(weight_shape.end(), kernel.begin(), kernel.end());
    probed.weights[weight_name] = Tensor(weight_shape, 1.0f);
    probed.weights[bias_name] = Tensor(Shape{channels}, 0.0f);
    NodeSpec identity;
    identity.name = probed_name;
    identity.op = "Conv";
    identity.inputs = {layer, weight_name, bias_name};
    identity.outputs = {probed_name};
    identity.attributes["kernel_shape"] = kernel;
    identity.attributes["strides"] = kernel;
    identity.attributes["pads"] = std::vector<int64_t>(2 * kernel.size(), 0);
    identity.attributes["group"] = channels;
    probed.nodes.clear();
    if (layer == frozen.input_name) probed.nodes.push_back(identity);
    for (NodeSpec node : frozen.nodes) {
      for (size_t slot = 0; slot < activation_inputs(node); ++slot)
        if (node.inputs[slot] == layer) node.inputs[slot] = probed_name;
      const bool produces_layer = node.outputs[0] == layer;
      probed.nodes.push_back(std::move(node));
      if (produces_layer) probed.nodes.push_back(identity);
    }
    if (probed.output_name == layer) probed.output_name = probed_name;
    probe.reset();
    probe = std::make_unique<Network>(probed, batch, options);
    probe_layer = layer;
    probe_bias = bias_name;
    return *probe;
  }

  int64_t check_input(const Tensor& input) const {
    Shape expected{input.rank() > 0 ? input.dim(0) : 0};
    expected.insert(expected.end(), input_shape.begin(), input_shape.end());
    if (input.shape() != expected || input.dim(0) < 1)
      throw std::invalid_argument("attribution: input has shape " + shape_to_string(input.shape()) + ", expected (N, " +
                                  shape_to_string(input_shape) + ") with N >= 1");
    if (input.has_non_finite()) throw std::invalid_argument("attribution: input contains NaN or infinite values");
    return input.dim(0);
  }

  // Gradient of the target on the network's output, for one batch.
  Tensor output_gradient(const Shape& batch_output_shape, const AttributionTarget& target, int64_t rows) const {
    const int64_t channels = batch_output_shape.at(1);
    if (target.channel < 0 || target.channel >= channels)
      throw std::invalid_argument("attribution: output channel " + std::to_string(target.channel) +
                                  " does not exist (the output has " + std::to_string(channels) + " channels)");
    const int64_t positions = element_count(batch_output_shape) / (batch_output_shape[0] * channels);
    if (!target.region.empty() && static_cast<int64_t>(target.region.size()) != positions)
      throw std::invalid_argument("attribution: the region has " + std::to_string(target.region.size()) +
                                  " weights but each output channel has " + std::to_string(positions) + " positions");
    Tensor gradient(batch_output_shape, 0.0f);
    for (int64_t n = 0; n < rows; ++n)
      for (int64_t p = 0; p < positions; ++p)
        gradient[(n * channels + target.channel) * positions + p] = target.region.empty() ? 1.0f : target.region[p];
    return gradient;
  }

  static double target_score(const Tensor& output, const Tensor& gradient, int64_t row) {
    const int64_t per_sample = output.size() / output.dim(0);
    double score = 0.0;
    for (int64_t e = row * per_sample; e < (row + 1) * per_sample; ++e) score += double(output[e]) * gradient[e];
    return score;
  }

  // Copies rows [start, start + rows) of `source` into a zero-padded batch.
  Tensor batch_of(const Tensor& source, int64_t start, int64_t rows, const Shape& per_sample) const {
    Shape shape{batch};
    shape.insert(shape.end(), per_sample.begin(), per_sample.end());
    Tensor result(shape, 0.0f);
    const int64_t stride = element_count(per_sample);
    std::copy_n(source.data() + start * stride, rows * stride, result.data());
    return result;
  }

  // Scores and input gradients of `net` for every row of `input`.
  Tensor gradients(Network& net, const Tensor& input, const Shape& per_sample, const AttributionTarget& target,
                   std::vector<double>* scores) {
    const int64_t total = input.dim(0);
    const int64_t stride = element_count(per_sample);
    Tensor result(input.shape(), 0.0f);
    if (scores) scores->assign(static_cast<size_t>(total), 0.0);
    for_each_chunk(total, batch, [&](int64_t start, int64_t rows) {
      const Tensor output = net.forward(batch_of(input, start, rows, per_sample), Mode::training);
      const Tensor seed = output_gradient(output.shape(), target, rows);
      if (scores)
        for (int64_t r = 0; r < rows; ++r) (*scores)[static_cast<size_t>(start + r)] = target_score(output, seed, r);
      const Tensor gradient = net.backward(seed, true);
      std::copy_n(gradient.data(), rows * stride, result.data() + start * stride);
    });
    return result;
  }

  Network& tail_network(const std::string& layer) {
    if (tail && tail_layer == layer) return *tail;
    const Shape shape = network->tensor_shape(layer);  // throws for an unknown name
    if (shape.size() < 3)
      throw std::invalid_argument("Grad-CAM: layer '" + layer + "' has shape " + shape_to_string(shape) +
                                  " without spatial axes; choose a convolutional feature map");
    GraphSpec sub;
    sub.name = frozen.name + "_after_" + layer;
    sub.input_name = layer;
    sub.input_shape = without_batch(shape);
    sub.output_name = frozen.output_name;
    sub.metadata = frozen.metadata;
    std::set<std::string> downstream{layer};
    for (const NodeSpec& node : frozen.nodes) {
      const size_t activations = activation_inputs(node);
      size_t reached = 0;
      for (size_t slot = 0; slot < activations; ++slot) reached += downstream.count(node.inputs[slot]);
      if (reached == 0) continue;
      if (reached != activations)
        throw std::invalid_argument("Grad-CAM: node '" + node.name + "' combines layer '" + layer +
                                    "' with a tensor computed before it (a skip connection); the gradient at '" +
                                    layer + "' then needs the engine's intermediate gradients, choose a later layer");
      sub.nodes.push_back(node);
      downstream.insert(node.outputs[0]);
      for (size_t slot = activations; slot < node.inputs.size(); ++slot)
        sub.weights[node.inputs[slot]] = frozen.weights.at(node.inputs[slot]);
    }
    if (sub.nodes.empty() || !downstream.count(frozen.output_name))
      throw std::invalid_argument("Grad-CAM: the output '" + frozen.output_name + "' does not depend on layer '" +
                                  layer + "' through any operation");
    tail = std::make_unique<Network>(sub, batch, options);
    tail_layer = layer;
    return *tail;
  }
};

AttributionModel::AttributionModel(const GraphSpec& spec, int64_t batch, NetworkOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (batch < 1) throw std::invalid_argument("attribution: batch must be at least 1");
  impl_->frozen = freeze_for_attribution(spec);
  impl_->batch = batch;
  impl_->options = options;
  impl_->network = std::make_unique<Network>(impl_->frozen, batch, options);
  impl_->input_shape = without_batch(impl_->network->input_shape());
  impl_->output_shape = without_batch(impl_->network->output_shape());
}

AttributionModel::AttributionModel(const Network& network) : AttributionModel(network.export_spec(), network.batch()) {}
AttributionModel::~AttributionModel() = default;
AttributionModel::AttributionModel(AttributionModel&&) noexcept = default;
AttributionModel& AttributionModel::operator=(AttributionModel&&) noexcept = default;

Shape AttributionModel::input_shape() const { return impl_->input_shape; }
Shape AttributionModel::output_shape() const { return impl_->output_shape; }
const GraphSpec& AttributionModel::frozen_spec() const { return impl_->frozen; }

std::vector<double> AttributionModel::score(const Tensor& input, const AttributionTarget& target) {
  Impl& m = *impl_;
  const int64_t total = m.check_input(input);
  std::vector<double> scores(static_cast<size_t>(total));
  for_each_chunk(total, m.batch, [&](int64_t start, int64_t rows) {
    const Tensor output = m.network->forward(m.batch_of(input, start, rows, m.input_shape), Mode::inference);
    const Tensor seed = m.output_gradient(output.shape(), target, rows);
    for (int64_t r = 0; r < rows; ++r) scores[static_cast<size_t>(start + r)] = Impl::target_score(output, seed, r);
  });
  return scores;
}

Tensor AttributionModel::gradient(const Tensor& input, const AttributionTarget& target) {
  impl_->check_input(input);
  return impl_->gradients(*impl_->network, input, impl_->input_shape, target, nullptr);
}

Tensor AttributionModel::saliency(const Tensor& input, const AttributionTarget& target) {
  Tensor result = gradient(input, target);
  for (float& v : result.values()) v = std::abs(v);
  return result;
}

Tensor AttributionModel::integrated_gradients(const Tensor& input, const Tensor& baseline,
                                              const AttributionTarget& target, int steps) {
  Impl& m = *impl_;
  m.check_input(input);
  if (steps < 1) throw std::invalid_argument("integrated gradients: steps must be at least 1");
  const Tensor zeros(input.shape(), 0.0f);
  const Tensor& origin = baseline.empty() ? zeros : baseline;
  if (origin.shape() != input.shape())
    throw std::invalid_argument("integrated gradients: baseline has shape " + shape_to_string(origin.shape()) +
                                " but the input has " + shape_to_string(input.shape()));
  if (origin.has_non_finite())
    throw std::invalid_argument("integrated gradients: baseline contains NaN or infinite values");
  std::vector<double> sum(static_cast<size_t>(input.size()), 0.0);
  Tensor point(input.shape());
  for (int k = 0; k < steps; ++k) {
    const double alpha = (k + 0.5) / steps;  // midpoint rule
    for (int64_t e = 0; e < input.size(); ++e)
      point[e] = static_cast<float>(origin[e] + alpha * (double(input[e]) - origin[e]));
    const Tensor g = m.gradients(*m.network, point, m.input_shape, target, nullptr);
    for (int64_t e = 0; e < input.size(); ++e) sum[static_cast<size_t>(e)] += g[e];
  }
  Tensor result(input.shape());
  for (int64_t e = 0; e < input.size(); ++e)
    result[e] = static_cast<float>((double(input[e]) - origin[e]) * sum[static_cast<size_t>(e)] / steps);
  return result;
}

Tensor AttributionModel::grad_cam(const Tensor& input, const std::string& layer, const AttributionTarget& target) {
  Impl& m = *impl_;
  const int64_t total = m.check_input(input);
  Network& tail = m.tail_network(layer);
  const Shape layer_shape = without_batch(m.network->tensor_shape(layer));
  const int64_t channels = layer_shape[0];
  const int64_t positions = element_count(layer_shape) / channels;
  // Activations of the layer for every sample.
  Shape all_shape{total};
  all_shape.insert(all_shape.end(), layer_shape.begin(), layer_shape.end());
  Tensor activations(all_shape);
  const int64_t stride = element_count(layer_shape);
  for_each_chunk(total, m.batch, [&](int64_t start, int64_t rows) {
    m.network->forward(m.batch_of(input, start, rows, m.input_shape), Mode::inference);
    const Tensor a = m.network->activation(layer);
    std::copy_n(a.data(), rows * stride, activations.data() + start * stride);
  });
  const Tensor gradient = m.gradients(tail, activations, layer_shape, target, nullptr);
  Shape cam_shape{total, 1};
  cam_shape.insert(cam_shape.end(), layer_shape.begin() + 1, layer_shape.end());
  Tensor cam(cam_shape, 0.0f);
  for (int64_t n = 0; n < total; ++n) {
    std::vector<double> map(static_cast<size_t>(positions), 0.0);
    for (int64_t c = 0; c < channels; ++c) {
      const float* g = gradient.data() + (n * channels + c) * positions;
      const float* a = activations.data() + (n * channels + c) * positions;
      double weight = 0.0;
      for (int64_t p = 0; p < positions; ++p) weight += g[p];
      weight /= static_cast<double>(positions);
      for (int64_t p = 0; p < positions; ++p) map[static_cast<size_t>(p)] += weight * a[p];
    }
    for (int64_t p = 0; p < positions; ++p)
      cam[n * positions + p] = static_cast<float>(std::max(0.0, map[static_cast<size_t>(p)]));
  }
  return cam;
}

Tensor AttributionModel::grad_cam_any_layer(const Tensor& input, const std::string& layer,
                                            const AttributionTarget& target) {
  Impl& m = *impl_;
  const int64_t total = m.check_input(input);
  Network& probe = m.probe_network(layer);
  const Shape layer_shape = without_batch(m.network->tensor_shape(layer));
  const int64_t channels = layer_shape[0];
  const int64_t positions = element_count(layer_shape) / channels;
  Shape cam_shape{total, 1};
  cam_shape.insert(cam_shape.end(), layer_shape.begin() + 1, layer_shape.end());
  Tensor cam(cam_shape, 0.0f);
  for (int64_t n = 0; n < total; ++n) {
    // One sample per pass: the bias gradient sums over the batch.
    const Tensor output = probe.forward(m.batch_of(input, n, 1, m.input_shape), Mode::training);
    probe.backward(m.output_gradient(output.shape(), target, 1), false);
    const Tensor activation = probe.activation(layer);
    const Tensor* bias_gradient = nullptr;
    for (const Parameter& p : probe.parameters())
      if (p.name == m.probe_bias) bias_gradient = p.gradient;
    if (!bias_gradient) throw std::logic_error("Grad-CAM: the probe's bias gradient is missing");
    std::vector<double> map(static_cast<size_t>(positions), 0.0);
    for (int64_t c = 0; c < channels; ++c) {
      const double weight = static_cast<double>((*bias_gradient)[c]) / static_cast<double>(positions);
      const float* a = activation.data() + c * positions;  // row 0 of the batch
      for (int64_t p = 0; p < positions; ++p) map[static_cast<size_t>(p)] += weight * a[p];
    }
    for (int64_t p = 0; p < positions; ++p)
      cam[n * positions + p] = static_cast<float>(std::max(0.0, map[static_cast<size_t>(p)]));
  }
  return cam;
}

}  // namespace nv
