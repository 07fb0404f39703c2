// ModelMetadata <-> ONNX metadata_props. Lists are JSON arrays so that names
// with commas and numbers at full precision survive.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "onnx_io_internal.h"

namespace nv::onnx_detail {

namespace {

void put(onnx::ModelProto& model, const std::string& key, const std::string& value) {
  auto* prop = model.add_metadata_props();
  prop->set_key(key);
  prop->set_value(value);
}

template <typename T>
void put_list(onnx::ModelProto& model, const std::string& key, const std::vector<T>& values) {
  if (!values.empty()) put(model, key, nlohmann::json(values).dump());
}

template <typename T>
std::vector<T> parse_list(const std::string& key, const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text).get<std::vector<T>>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("ONNX model '" + source + "': metadata '" + key +
                             "' is not a JSON list of the expected type (" + e.what() + ")");
  }
}

}  // namespace

void metadata_to_props(const ModelMetadata& metadata, onnx::ModelProto& model) {
  if (!metadata.task.empty()) put(model, "task", metadata.task);
  put_list(model, "channel_names", metadata.channel_names);
  put_list(model, "channel_mean", metadata.channel_mean);
  put_list(model, "channel_stddev", metadata.channel_stddev);
  put_list(model, "class_names", metadata.class_names);
  put_list(model, "target_names", metadata.target_names);
  if (!metadata.extra.empty()) put(model, "extra", nlohmann::json(metadata.extra).dump());
}

ModelMetadata metadata_from_props(const onnx::ModelProto& model, const std::string& source) {
  ModelMetadata metadata;
  for (const auto& prop : model.metadata_props()) {
    const std::string& key = prop.key();
    const std::string& value = prop.value();
    if (key == "task") {
      metadata.task = value;
    } else if (key == "channel_names") {
      metadata.channel_names = parse_list<std::string>(key, value, source);
    } else if (key == "channel_mean") {
      metadata.channel_mean = parse_list<double>(key, value, source);
    } else if (key == "channel_stddev") {
      metadata.channel_stddev = parse_list<double>(key, value, source);
    } else if (key == "class_names") {
      metadata.class_names = parse_list<std::string>(key, value, source);
    } else if (key == "target_names") {
      metadata.target_names = parse_list<std::string>(key, value, source);
    } else if (key == "extra") {
      try {
        metadata.extra = nlohmann::json::parse(value).get<std::map<std::string, std::string>>();
      } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error("ONNX model '" + source + "': metadata 'extra' is not a JSON object of strings (" +
                                 e.what() + ")");
      }
    } else if (key != kNodeAttributesKey) {
      // Metadata of other tools is kept, so that nothing is lost on a re-save.
      metadata.extra[key] = value;
    }
  }
  return metadata;
}

}  // namespace nv::onnx_detail
