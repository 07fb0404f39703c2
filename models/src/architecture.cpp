#include "neuralview/architecture.h"

#include <stdexcept>

#include "neuralview/architecture_json.h"
#include "neuralview/presets.h"

namespace nv {

std::string automatic_architecture(const std::string& task, size_t spatial_dims) {
  if (task == "segmentation") {
    if (spatial_dims == 2) return "segnet-small";
    throw std::invalid_argument("there is no 3-D segmentation preset yet; give a JSON architecture file");
  }
  if (task == "classification") return "classifier-small";
  if (task == "regression") return "regressor-small";
  if (task == "autoencoder") return spatial_dims == 3 ? "autoencoder3d" : "autoencoder2d";
  throw std::invalid_argument("unknown task '" + task + "'");
}

GraphSpec create_network(const std::string& architecture, const std::string& task, const Shape& input_shape,
                         int64_t outputs, uint64_t seed) {
  const std::string name = architecture.empty() || architecture == "auto"
                               ? automatic_architecture(task, input_shape.size() - 1)
                               : architecture;
  const bool is_json = name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0;
  GraphSpec spec = is_json ? load_architecture_json(name, input_shape, outputs, seed)
                           : build_preset(name, input_shape, outputs, seed);
  spec.metadata.task = task;
  if (spec.metadata.extra.find("architecture") == spec.metadata.extra.end()) spec.metadata.extra["architecture"] = name;
  return spec;
}

}  // namespace nv
