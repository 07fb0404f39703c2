// GraphSpec -> ONNX (opset 13), written atomically.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "neuralview/graph_builder.h"
#include "neuralview/onnx_io.h"
#include "onnx_io_internal.h"

namespace nv {

namespace {

constexpr int64_t kOpset = 13;
constexpr int64_t kIrVersion = 7;  // the IR version that goes with opset 13

void set_value_info(const std::string& name, const Shape& per_sample, onnx::ValueInfoProto& info) {
  info.set_name(name);
  auto* tensor_type = info.mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensor_type->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (int64_t d : per_sample) shape->add_dim()->set_dim_value(d);
}

nlohmann::json attribute_to_json(const AttributeValue& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

void add_attribute(onnx::NodeProto& node, const std::string& name, const AttributeValue& value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  if (const auto* i = std::get_if<int64_t>(&value)) {
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(*i);
  } else if (const auto* f = std::get_if<double>(&value)) {
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(static_cast<float>(*f));
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(*s);
  } else if (const auto* is = std::get_if<std::vector<int64_t>>(&value)) {
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : *is) a->add_ints(x);
  } else if (const auto* fs = std::get_if<std::vector<double>>(&value)) {
    a->set_type(onnx::AttributeProto::FLOATS);
    for (double x : *fs) a->add_floats(static_cast<float>(x));
  }
}

class OnnxWriter {
 public:
  explicit OnnxWriter(const GraphSpec& spec) : spec_(spec) {
    shapes_ = infer_shapes(spec);  // validates
    for (const auto& [name, shape] : shapes_) used_names_.insert(name);
    for (const auto& [name, tensor] : spec.weights) {
      if (shapes_.count(name))
        throw std::invalid_argument("the weight '" + name + "' has the same name as a tensor of the network");
      used_names_.insert(name);
    }
  }

  onnx::ModelProto write() {
    onnx::ModelProto model;
    model.set_ir_version(kIrVersion);
    model.set_producer_name("NeuralView");
    model.set_producer_version("0.1");
    model.set_doc_string("NeuralView network '" + spec_.name + "'");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOpset);
    onnx::GraphProto& graph = *model.mutable_graph();
    graph.set_name(spec_.name.empty() ? "network" : spec_.name);  // ONNX requires a graph name
    set_value_info(spec_.input_name, spec_.input_shape, *graph.add_input());
    set_value_info(spec_.output_name, shapes_.at(spec_.output_name), *graph.add_output());
    for (const auto& [name, tensor] : spec_.weights)
      onnx_detail::tensor_to_proto(name, tensor, *graph.add_initializer());
    for (const NodeSpec& node : spec_.nodes) {
      write_node(node, graph);
      if (node.outputs[0] != spec_.output_name)
        set_value_info(node.outputs[0], shapes_.at(node.outputs[0]), *graph.add_value_info());
    }
    onnx_detail::metadata_to_props(spec_.metadata, model);
    if (!extra_node_attributes_.empty()) {
      auto* prop = model.add_metadata_props();
      prop->set_key(onnx_detail::kNodeAttributesKey);
      prop->set_value(extra_node_attributes_.dump());
    }
    return model;
  }

 private:
  std::string fresh_name(const std::string& wanted) {
    std::string name = wanted;
    for (int i = 2; used_names_.count(name); ++i) name = wanted + "_" + std::to_string(i);
    used_names_.insert(name);
    return name;
  }

  std::string add_float_constant(onnx::GraphProto& graph, const std::string& wanted, Shape dims,
                                 std::vector<float> values) {
    const std::string name = fresh_name(wanted);
    onnx_detail::tensor_to_proto(name, Tensor(std::move(dims), std::move(values)), *graph.add_initializer());
    return name;
  }

  void write_node(const NodeSpec& spec_node, onnx::GraphProto& graph) {
    onnx::NodeProto& node = *graph.add_node();
    node.set_name(spec_node.name);
    node.set_op_type(spec_node.op);
    for (const std::string& in : spec_node.inputs) node.add_input(in);
    node.add_output(spec_node.outputs[0]);
    nlohmann::json extras = nlohmann::json::object();
    for (const auto& [key, value] : spec_node.attributes) {
      if (spec_node.op == "Dropout" && key == "ratio") continue;
      if (spec_node.op == "Resize" && (key == "nv_scale" || key == "mode")) continue;
      if (key.rfind("nv_", 0) == 0) {
        extras[key] = attribute_to_json(value);
        continue;
      }
      add_attribute(node, key, value);
    }
    if (spec_node.op == "Dropout") {
      const double ratio = spec_node.float_attribute("ratio", 0.5);
      node.add_input(add_float_constant(graph, spec_node.name + ".ratio", {}, {static_cast<float>(ratio)}));
    } else if (spec_node.op == "Resize") {
      write_resize(spec_node, node, graph);
    }
    if (!extras.empty()) extra_node_attributes_[spec_node.name] = extras;
  }

  // nv_scale -> Resize(X, roi = "", scales) with the coordinate transformation
  // that matches PyTorch's Upsample: nearest = floor(out / scale), linear =
  // half-pixel centres (align_corners = False).
  void write_resize(const NodeSpec& spec_node, onnx::NodeProto& node, onnx::GraphProto& graph) {
    const std::string mode = spec_node.string_attribute("mode", "nearest");
    const float scale = static_cast<float>(spec_node.int_attribute("nv_scale", 1));
    const size_t rank = shapes_.at(spec_node.inputs[0]).size() + 1;
    std::vector<float> scales(rank, scale);
    scales[0] = scales[1] = 1.0f;
    node.add_input("");
    node.add_input(add_float_constant(graph, spec_node.name + ".scales", {int64_t(rank)}, scales));
    add_attribute(node, "mode", mode);
    if (mode == "nearest") {
      add_attribute(node, "coordinate_transformation_mode", std::string("asymmetric"));
      add_attribute(node, "nearest_mode", std::string("floor"));
    } else {
      add_attribute(node, "coordinate_transformation_mode", std::string("half_pixel"));
    }
  }

  const GraphSpec& spec_;
  std::map<std::string, Shape> shapes_;
  std::set<std::string> used_names_;
  nlohmann::json extra_node_attributes_ = nlohmann::json::object();
};

std::string system_error_text() { return std::strerror(errno); }

}  // namespace

std::string save_onnx_to_bytes(const GraphSpec& spec) {
  const onnx::ModelProto model = OnnxWriter(spec).write();
  if (model.ByteSizeLong() > size_t(INT32_MAX))
    throw std::invalid_argument("network '" + spec.name + "' is larger than the 2 GiB limit of an ONNX file");
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw std::runtime_error("could not serialise network '" + spec.name + "'");
  return bytes;
}

void save_onnx(const GraphSpec& spec, const std::string& path) {
  const std::string bytes = save_onnx_to_bytes(spec);
  // Write next to the target and rename over it: readers never see a
  // half-written model and a failure leaves an existing file untouched.
  std::string temp_path = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp_path.data());
  if (fd < 0)
    throw std::runtime_error("cannot write ONNX model '" + path + "': cannot create a temporary file next to it (" +
                             system_error_text() + ")");
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = system_error_text();
      ::close(fd);
      std::remove(temp_path.c_str());
      throw std::runtime_error("cannot write ONNX model '" + path + "': " + reason);
    }
    written += size_t(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const std::string sync_error = synced ? std::string() : system_error_text();
  if (::close(fd) != 0 || !synced) {
    const std::string reason = synced ? system_error_text() : sync_error;
    std::remove(temp_path.c_str());
    throw std::runtime_error("cannot write ONNX model '" + path + "': " + reason);
  }
  ::chmod(temp_path.c_str(), 0644);
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) {
    const std::string reason = system_error_text();
    std::remove(temp_path.c_str());
    throw std::runtime_error("cannot write ONNX model '" + path + "': " + reason);
  }
}

}  // namespace nv
