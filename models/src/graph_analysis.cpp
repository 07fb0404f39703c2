#include "neuralview/graph_analysis.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace nv {

namespace {

int64_t largest(const std::vector<int64_t>& values, int64_t fallback) {
  return values.empty() ? fallback : *std::max_element(values.begin(), values.end());
}

}  // namespace

SpatialGeometry analyse_spatial_geometry(const GraphSpec& spec) {
  spec.validate();
  // Per tensor: the stride (input pixels per element) and how far back into
  // the input one element reaches.
  struct Reach {
    int64_t stride = 1;
    int64_t radius = 0;
    bool spatial = true;
  };
  std::map<std::string, Reach> reach = {{spec.input_name, Reach{}}};
  SpatialGeometry geometry;
  for (const NodeSpec& node : spec.nodes) {
    Reach in;
    for (const std::string& name : node.inputs) {
      auto it = reach.find(name);
      if (it == reach.end()) continue;  // a weight
      in.stride = std::max(in.stride, it->second.stride);
      in.radius = std::max(in.radius, it->second.radius);
      in.spatial = in.spatial && it->second.spatial;
    }
    Reach out = in;
    const std::vector<int64_t> kernel = node.ints_attribute("kernel_shape", {});
    const std::vector<int64_t> strides = node.ints_attribute("strides", {});
    const int64_t k = largest(kernel, 1), s = largest(strides, 1);
    const int64_t dilation = largest(node.ints_attribute("dilations", {}), 1);
    if (node.op == "Conv" || node.op == "MaxPool" || node.op == "AveragePool") {
      // One side of a window reaches `pad` pixels back and the rest forward.
      const std::vector<int64_t> pads = node.ints_attribute("pads", {});
      const int64_t pad_min = pads.empty() ? 0 : *std::min_element(pads.begin(), pads.end());
      const int64_t pad_max = largest(pads, 0);
      const int64_t side = std::max(pad_max, (k - 1) * dilation - pad_min);
      out.radius = in.radius + side * in.stride;
      out.stride = in.stride * s;
      geometry.downsampling = std::max(geometry.downsampling, out.stride);
    } else if (node.op == "ConvTranspose") {
      out.stride = std::max<int64_t>(1, in.stride / s);
      out.radius = in.radius + (k - 1) * out.stride;
    } else if (node.op == "Resize") {
      out.stride = std::max<int64_t>(1, in.stride / node.int_attribute("nv_scale", 1));
      out.radius = in.radius + in.stride;  // linear interpolation reads one neighbour
    } else if (node.op == "GlobalAveragePool" || node.op == "Flatten" || node.op == "Gemm") {
      out.spatial = false;
    }
    reach[node.outputs[0]] = out;
  }
  const Reach& final_reach = reach.at(spec.output_name);
  geometry.dense_output = final_reach.spatial && final_reach.stride == 1;
  geometry.receptive_radius = final_reach.radius;
  return geometry;
}

}  // namespace nv
