#include "neuralview/architecture_json.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "neuralview/graph_builder.h"
#include "neuralview/presets.h"

namespace nv {

namespace {

using nlohmann::json;

// One layer object and where it is, for reading typed keys with good errors.
class LayerReader {
 public:
  LayerReader(const json& layer, std::string where, int64_t outputs)
      : layer_(layer), where_(std::move(where)), outputs_(outputs) {}

  [[noreturn]] void fail(const std::string& problem) const { throw std::invalid_argument(where_ + ": " + problem); }

  void allow_only(std::set<std::string> keys) const {
    keys.insert({"type", "name", "inputs"});
    for (const auto& [key, value] : layer_.items())
      if (!keys.count(key)) {
        std::string expected;
        for (const std::string& k : keys) expected += (expected.empty() ? "" : ", ") + k;
        fail("unknown key '" + key + "' (this layer type takes: " + expected + ")");
      }
  }

  int64_t integer(const std::string& key, int64_t fallback) const {
    if (!layer_.contains(key)) return fallback;
    const json& v = layer_.at(key);
    if (!v.is_number_integer()) fail("'" + key + "' must be an integer, got " + v.dump());
    return v.get<int64_t>();
  }

  // An integer or the string "outputs".
  int64_t count(const std::string& key) const {
    if (!layer_.contains(key)) fail("'" + key + "' is required (an integer or \"outputs\")");
    const json& v = layer_.at(key);
    if (v.is_string() && v.get<std::string>() == "outputs") {
      if (outputs_ < 1) fail("'" + key + "' is \"outputs\", but the number of outputs is " + std::to_string(outputs_));
      return outputs_;
    }
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
      fail("'" + key + "' must be a positive integer or \"outputs\", got " + v.dump());
    return v.get<int64_t>();
  }

  double number(const std::string& key, double fallback) const {
    if (!layer_.contains(key)) return fallback;
    const json& v = layer_.at(key);
    if (!v.is_number()) fail("'" + key + "' must be a number, got " + v.dump());
    return v.get<double>();
  }

  bool boolean(const std::string& key, bool fallback) const {
    if (!layer_.contains(key)) return fallback;
    const json& v = layer_.at(key);
    if (!v.is_boolean()) fail("'" + key + "' must be true or false, got " + v.dump());
    return v.get<bool>();
  }

  std::string text(const std::string& key, const std::string& fallback) const {
    if (!layer_.contains(key)) return fallback;
    const json& v = layer_.at(key);
    if (!v.is_string()) fail("'" + key + "' must be a string, got " + v.dump());
    return v.get<std::string>();
  }

  const json& raw(const std::string& key) const { return layer_.at(key); }
  bool has(const std::string& key) const { return layer_.contains(key); }

 private:
  const json& layer_;
  std::string where_;
  int64_t outputs_;
};

std::vector<std::string> string_list(const json& value, const std::string& what, const std::string& where) {
  if (value.is_string()) return {value.get<std::string>()};
  if (!value.is_array()) throw std::invalid_argument(where + ": '" + what + "' must be a string or a list of strings");
  std::vector<std::string> items;
  for (const json& item : value) {
    if (!item.is_string()) throw std::invalid_argument(where + ": '" + what + "' must hold only strings");
    items.push_back(item.get<std::string>());
  }
  return items;
}

std::string add_layer(GraphBuilder& b, const std::string& type, const LayerReader& r,
                      const std::vector<std::string>& inputs, const std::string& name) {
  auto single_input = [&]() {
    if (inputs.size() != 1) r.fail("takes exactly one input, got " + std::to_string(inputs.size()));
    return inputs[0];
  };
  if (type == "conv") {
    r.allow_only({"filters", "kernel", "stride", "pad", "dilation", "bias"});
    const int64_t kernel = r.integer("kernel", 3);
    int64_t pad = 0;
    if (r.has("pad") && r.raw("pad").is_string()) {
      if (r.text("pad", "") != "same") r.fail("'pad' must be an integer or \"same\"");
      if (kernel % 2 == 0 || r.integer("stride", 1) != 1) r.fail("\"same\" padding needs an odd kernel and stride 1");
      pad = r.integer("dilation", 1) * (kernel - 1) / 2;
    } else {
      pad = r.integer("pad", 0);
    }
    return b.conv(single_input(), r.count("filters"), kernel, r.integer("stride", 1), pad, r.integer("dilation", 1),
                  r.boolean("bias", true), name);
  }
  if (type == "conv_transpose") {
    r.allow_only({"filters", "kernel", "stride", "pad", "output_padding", "bias"});
    return b.conv_transpose(single_input(), r.count("filters"), r.integer("kernel", 2), r.integer("stride", 2),
                            r.integer("pad", 0), r.integer("output_padding", 0), r.boolean("bias", true), name);
  }
  if (type == "maxpool" || type == "avgpool") {
    r.allow_only({"kernel", "stride", "pad"});
    const int64_t kernel = r.integer("kernel", 2);
    const int64_t stride = r.integer("stride", kernel);
    if (stride < 1) r.fail("'stride' must be at least 1");
    return type == "maxpool" ? b.max_pool(single_input(), kernel, stride, r.integer("pad", 0), name)
                             : b.avg_pool(single_input(), kernel, stride, r.integer("pad", 0), name);
  }
  if (type == "global_avgpool") {
    r.allow_only({});
    return b.global_avg_pool(single_input(), name);
  }
  if (type == "batchnorm") {
    r.allow_only({"epsilon", "momentum"});
    return b.batch_norm(single_input(), r.number("epsilon", 1e-5), r.number("momentum", 0.9), name);
  }
  if (type == "dropout") {
    r.allow_only({"rate", "spatial"});
    return b.dropout(single_input(), r.number("rate", 0.5), r.boolean("spatial", false), name);
  }
  if (type == "relu" || type == "tanh" || type == "sigmoid" || type == "softmax" || type == "flatten") {
    r.allow_only({});
    if (type == "relu") return b.relu(single_input(), name);
    if (type == "tanh") return b.tanh(single_input(), name);
    if (type == "sigmoid") return b.sigmoid(single_input(), name);
    if (type == "softmax") return b.softmax(single_input(), name);
    return b.flatten(single_input(), name);
  }
  if (type == "leaky_relu") {
    r.allow_only({"alpha"});
    return b.leaky_relu(single_input(), r.number("alpha", 0.01), name);
  }
  if (type == "dense") {
    r.allow_only({"units", "bias"});
    return b.dense(single_input(), r.count("units"), r.boolean("bias", true), name);
  }
  if (type == "concat") {
    r.allow_only({});
    if (inputs.size() < 2) r.fail("needs at least two inputs");
    return b.concat(inputs, name);
  }
  if (type == "add") {
    r.allow_only({});
    if (inputs.size() != 2) r.fail("needs exactly two inputs");
    return b.add(inputs[0], inputs[1], name);
  }
  if (type == "upsample") {
    r.allow_only({"factor", "mode"});
    return b.upsample(single_input(), r.text("mode", "nearest"), r.integer("factor", 2), name);
  }
  r.fail("unknown layer type '" + type +
         "' (known: conv, conv_transpose, maxpool, avgpool, global_avgpool, batchnorm, dropout, relu, leaky_relu, "
         "tanh, sigmoid, softmax, flatten, dense, concat, add, upsample)");
}

void read_metadata(const json& doc, GraphSpec& spec, const std::string& source) {
  auto list = [&](const char* key, std::vector<std::string>& into) {
    if (doc.contains(key)) into = string_list(doc.at(key), key, "architecture '" + source + "'");
  };
  if (doc.contains("task")) {
    if (!doc.at("task").is_string())
      throw std::invalid_argument("architecture '" + source + "': 'task' must be a string");
    spec.metadata.task = doc.at("task").get<std::string>();
  }
  list("class_names", spec.metadata.class_names);
  list("target_names", spec.metadata.target_names);
  list("channel_names", spec.metadata.channel_names);
}

GraphSpec build_from_layers(const json& doc, const Shape& input_shape, int64_t outputs, uint64_t seed,
                            const std::string& source) {
  const std::string prefix = "architecture '" + source + "'";
  const json& layers = doc.at("layers");
  if (!layers.is_array() || layers.empty())
    throw std::invalid_argument(prefix + ": 'layers' must be a non-empty list of layer objects");
  GraphBuilder b(input_shape, seed);
  std::string previous = b.input();
  for (size_t index = 0; index < layers.size(); ++index) {
    const json& layer = layers[index];
    std::string where = prefix + ": layers[" + std::to_string(index) + "]";
    if (!layer.is_object()) throw std::invalid_argument(where + ": a layer must be a JSON object, got " + layer.dump());
    if (!layer.contains("type") || !layer.at("type").is_string())
      throw std::invalid_argument(where + ": every layer needs a \"type\" string");
    const std::string type = layer.at("type").get<std::string>();
    std::string name;
    if (layer.contains("name")) {
      if (!layer.at("name").is_string() || layer.at("name").get<std::string>().empty())
        throw std::invalid_argument(where + ": \"name\" must be a non-empty string");
      name = layer.at("name").get<std::string>();
      where += " ('" + name + "', " + type + ")";
    } else {
      where += " (" + type + ")";
    }
    std::vector<std::string> inputs{previous};
    if (layer.contains("inputs")) inputs = string_list(layer.at("inputs"), "inputs", where);
    for (const std::string& in : inputs)
      if (!b.has_tensor(in))
        throw std::invalid_argument(where + ": input '" + in + "' is not the network input or an earlier layer's name");
    const LayerReader reader(layer, where, outputs);
    try {
      previous = add_layer(b, type, reader, inputs, name);
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      if (message.rfind(where, 0) == 0) throw;
      throw std::invalid_argument(where + ": " + message);
    }
  }
  std::string output = previous;
  if (doc.contains("output")) {
    if (!doc.at("output").is_string()) throw std::invalid_argument(prefix + ": 'output' must be a layer name");
    output = doc.at("output").get<std::string>();
    if (!b.has_tensor(output) || output == b.input())
      throw std::invalid_argument(prefix + ": 'output' names '" + output + "', which is not a layer");
  }
  GraphSpec spec = b.build(output);
  // The definition travels with the model, so a saved file says how it was built.
  spec.metadata.extra["architecture_json"] = doc.dump();
  return spec;
}

}  // namespace

GraphSpec load_architecture_json_from_string(const std::string& json_text, const Shape& input_shape, int64_t outputs,
                                             uint64_t seed, const std::string& source) {
  const std::string prefix = "architecture '" + source + "'";
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset of the error; turn it into line and column.
    const size_t offset = std::min(e.byte == 0 ? 0 : e.byte - 1, json_text.size());
    const size_t line = 1 + size_t(std::count(json_text.begin(), json_text.begin() + long(offset), '\n'));
    const size_t line_start = json_text.rfind('\n', offset == 0 ? 0 : offset - 1);
    const size_t column = offset - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
    throw std::invalid_argument(prefix + " is not valid JSON (line " + std::to_string(line) + ", column " +
                                std::to_string(column) + "): " + e.what());
  }
  if (!doc.is_object()) throw std::invalid_argument(prefix + ": the top level must be a JSON object");
  for (const auto& [key, value] : doc.items()) {
    static const std::set<std::string> known = {"name",          "task",   "class_names", "target_names",
                                                "channel_names", "layers", "output",      "preset"};
    if (!known.count(key))
      throw std::invalid_argument(prefix + ": unknown top-level key '" + key +
                                  "' (known: name, task, class_names, target_names, channel_names, layers, output, "
                                  "preset)");
  }
  if (doc.contains("preset") == doc.contains("layers"))
    throw std::invalid_argument(prefix + ": give either \"layers\" (a list of layers) or \"preset\" (a preset name)");
  GraphSpec spec;
  if (doc.contains("preset")) {
    if (!doc.at("preset").is_string()) throw std::invalid_argument(prefix + ": 'preset' must be a string");
    try {
      spec = build_preset(doc.at("preset").get<std::string>(), input_shape, outputs, seed);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(prefix + ": " + e.what());
    }
  } else {
    spec = build_from_layers(doc, input_shape, outputs, seed, source);
  }
  if (doc.contains("name")) {
    if (!doc.at("name").is_string()) throw std::invalid_argument(prefix + ": 'name' must be a string");
    spec.name = doc.at("name").get<std::string>();
  }
  // A network defined layer by layer is known by its name (or as "json").
  if (doc.contains("layers")) spec.metadata.extra["architecture"] = doc.contains("name") ? spec.name : "json";
  read_metadata(doc, spec, source);
  return spec;
}

GraphSpec load_architecture_json(const std::string& path, const Shape& input_shape, int64_t outputs, uint64_t seed) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open architecture file '" + path + "'");
  std::ostringstream text;
  text << file.rdbuf();
  return load_architecture_json_from_string(text.str(), input_shape, outputs, seed, path);
}

}  // namespace nv
