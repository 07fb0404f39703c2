#include "torch_oracle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine_test_graphs.h"

namespace nv::test {

namespace {

namespace fs = std::filesystem;

void write_raw(const fs::path& path, const Tensor& t) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(float)));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

Tensor read_raw(const fs::path& path, const Shape& shape) {
  Tensor t(shape);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(float)));
  if (!in) throw std::runtime_error("oracle output missing or short: " + path.string());
  return t;
}

nlohmann::json attribute_json(const AttributeValue& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

std::string shell_quote(const std::string& s) { return "'" + s + "'"; }

// `floor` keeps tensors that are zero up to rounding (the bias of a layer
// followed by batch normalisation) from being compared with their own noise.
void expect_close(const std::string& what, const Tensor& ours, const Tensor& reference, double tolerance,
                  double floor = 1e-6) {
  ASSERT_EQ(ours.shape(), reference.shape()) << what;
  const double scale = std::max(max_abs(reference), floor);
  const double error = max_abs_difference(ours, reference) / scale;
  EXPECT_LE(error, tolerance) << what << ": max |ours - torch| / max |torch| = " << error;
}

}  // namespace

bool torch_available() {
  static const bool available =
      std::system((shell_quote(NV_ORACLE_PYTHON) + " -c 'import torch' > /dev/null 2>&1").c_str()) == 0;
  return available;
}

void expect_torch_parity(const GraphSpec& spec, const ParityOptions& options) {
  const fs::path folder = fs::path(::testing::TempDir()) / ("nv_engine_parity_" + options.name);
  fs::remove_all(folder);
  fs::create_directories(folder);
  const bool training = options.mode == Mode::training;

  NetworkOptions network_options;
  network_options.precision = options.precision;
  network_options.seed = options.seed;
  Network net(spec, options.batch, network_options);
  const Tensor input = random_tensor(net.input_shape(), options.seed * 31 + 1);
  const Tensor r = random_tensor(net.output_shape(), options.seed * 31 + 2);

  // The case description, and the weights as the network starts with them.
  nlohmann::json description;
  description["training"] = training;
  description["input_name"] = spec.input_name;
  description["output_name"] = spec.output_name;
  description["input_shape"] = net.input_shape();
  description["nodes"] = nlohmann::json::array();
  for (const NodeSpec& node : spec.nodes) {
    nlohmann::json n;
    n["name"] = node.name;
    n["op"] = node.op;
    n["inputs"] = node.inputs;
    n["outputs"] = node.outputs;
    n["attributes"] = nlohmann::json::object();
    for (const auto& [key, value] : node.attributes) n["attributes"][key] = attribute_json(value);
    description["nodes"].push_back(n);
  }
  const GraphSpec initial = net.export_spec();
  std::vector<std::string> weight_names;
  description["weights"] = nlohmann::json::array();
  for (const auto& [name, tensor] : initial.weights) {
    write_raw(folder / ("weight_" + std::to_string(weight_names.size()) + ".bin"), tensor);
    description["weights"].push_back({{"name", name}, {"shape", tensor.shape()}});
    weight_names.push_back(name);
  }
  description["trainable"] = nlohmann::json::array();
  for (const Parameter& p : net.parameters()) description["trainable"].push_back(p.name);
  if (options.optimizer_step) description["adam_learning_rate"] = options.adam_learning_rate;
  write_raw(folder / "input.bin", input);
  write_raw(folder / "output_gradient.bin", r);

  // Our side.
  const Tensor output = net.forward(input, options.mode);
  description["masks"] = nlohmann::json::array();
  if (training) {
    // The oracle replays the engine's dropout masks, recovered from the
    // layer's input and output (where the input is 0 the mask cannot matter).
    for (const NodeSpec& node : spec.nodes) {
      if (node.op != "Dropout") continue;
      const double ratio = node.float_attribute("ratio", 0.5);
      const Tensor in = net.activation(node.inputs[0]);
      const Tensor out = net.activation(node.outputs[0]);
      Tensor mask(in.shape(), 1.0f);
      for (int64_t i = 0; i < in.size(); ++i)
        if (in[i] != 0.0f) mask[i] = out[i] / in[i] * (1.0 - ratio) > 0.5 ? 1.0f : 0.0f;
      write_raw(folder / ("mask_" + std::to_string(description["masks"].size()) + ".bin"), mask);
      description["masks"].push_back({{"node", node.name}, {"shape", mask.shape()}});
    }
  }
  Tensor input_gradient;
  std::map<std::string, Tensor> gradients, after;
  if (training) {
    input_gradient = net.backward(r, true);
    for (const Parameter& p : net.parameters()) gradients[p.name] = *p.gradient;
    for (const auto& [name, buffer] : net.buffers()) after[name] = *buffer;
    if (options.optimizer_step) {
      options.optimizer_step(net);
      for (const Parameter& p : net.parameters()) after[p.name] = *p.value;
    }
  }
  {
    std::ofstream out(folder / "case.json");
    out << description.dump(1);
  }

  // The oracle.
  const std::string command = shell_quote(NV_ORACLE_PYTHON) + " " + shell_quote(NV_TORCH_PARITY_SCRIPT) + " " +
                              shell_quote(folder.string()) + " > " + shell_quote((folder / "oracle.log").string()) +
                              " 2>&1";
  const int status = std::system(command.c_str());
  if (status != 0) {
    std::ifstream log(folder / "oracle.log");
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    FAIL() << "oracle failed (" << status << "):\n" << text;
  }

  // Every intermediate tensor in inference mode (in training mode the values
  // that fusion skipped are recomputed with inference semantics, so only the
  // output is comparable).
  for (const NodeSpec& node : training ? std::vector<NodeSpec>{} : spec.nodes) {
    const std::string& name = node.outputs[0];
    const Tensor ours = net.activation(name);
    expect_close(options.name + " activation " + name, ours,
                 read_raw(folder / ("activation_" + name + ".bin"), ours.shape()), options.tolerance);
  }
  expect_close(options.name + " output", output, read_raw(folder / "output.bin", output.shape()), options.tolerance);
  if (!training) return;
  expect_close(options.name + " input gradient", input_gradient, read_raw(folder / "input_gradient.bin", input.shape()),
               options.tolerance);
  std::map<std::string, Tensor> reference_gradients;
  double gradient_scale = 0.0;
  for (size_t index = 0; index < weight_names.size(); ++index) {
    const std::string& name = weight_names[index];
    if (!gradients.count(name)) continue;
    reference_gradients[name] =
        read_raw(folder / ("gradient_" + std::to_string(index) + ".bin"), initial.weights.at(name).shape());
    gradient_scale = std::max(gradient_scale, max_abs(reference_gradients[name]));
  }
  for (size_t index = 0; index < weight_names.size(); ++index) {
    const std::string& name = weight_names[index];
    const Shape& shape = initial.weights.at(name).shape();
    if (gradients.count(name))
      // f32 rounding of a sum is relative to the magnitudes of its terms, not
      // to the result: a strongly cancelling gradient (a bias feeding a
      // normalisation or a softmax) is compared to 5% of the case's largest
      // gradient instead of to itself.
      expect_close(options.name + " gradient of " + name, gradients[name], reference_gradients[name], options.tolerance,
                   5e-2 * gradient_scale);
    if (!after.count(name)) continue;
    Tensor reference = read_raw(folder / ("after_" + std::to_string(index) + ".bin"), shape);
    Tensor ours = after[name];
    if (gradients.count(name) && options.optimizer_step) {
      // Adam's first step is lr * g / (|g| + eps): +-lr wherever |g| >> eps,
      // so where the gradient is at rounding level (a bias feeding batch
      // normalisation, a dead unit) its sign, and the step, is a coin flip in
      // either library. There only the step's size bound is checked.
      const Tensor& g = reference_gradients[name];
      const Tensor& before = initial.weights.at(name);
      const double significant = 1e-3 * std::max(max_abs(g), 5e-2 * gradient_scale);
      for (int64_t i = 0; i < g.size(); ++i) {
        if (std::abs(g[i]) >= significant) continue;
        EXPECT_LE(std::abs(ours[i] - before[i]), 1.001 * options.adam_learning_rate + 1e-7) << name << " " << i;
        ours[i] = reference[i];
      }
    }
    expect_close(options.name + " " + name + " after the step", ours, reference, options.tolerance);
  }
}

}  // namespace nv::test
