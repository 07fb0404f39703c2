#include "nvModelInput.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>

#include "neuralview/channel_matching.h"
#include "neuralview/graph_analysis.h"
#include "neuralview/graph_builder.h"
#include "neuralview/onnx_io.h"
#include "nvImageTensors.h"
#include "vtkCellData.h"
#include "vtkDataArray.h"
#include "vtkDataObject.h"
#include "vtkDataSetAttributes.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkNew.h"
#include "vtkPointData.h"
#include "vtkStreamingDemandDrivenPipeline.h"

namespace nv {
namespace {

std::map<std::string, int> arrays_of(vtkDataSetAttributes* attributes) {
  std::map<std::string, int> arrays;
  for (int i = 0; i < attributes->GetNumberOfArrays(); ++i)
    if (vtkDataArray* a = attributes->GetArray(i))
      if (a->GetName()) arrays[a->GetName()] = a->GetNumberOfComponents();
  return arrays;
}

}  // namespace

const GraphSpec& ModelFileCache::load(const std::string& path) {
  if (path.empty()) throw std::invalid_argument("ModelFile is not set");
  std::error_code error;
  const auto written = std::filesystem::last_write_time(path, error);
  if (error) throw std::invalid_argument("cannot read the model file '" + path + "': " + error.message());
  if (!spec_ || path_ != path || written_ != written) {
    spec_.reset();
    auto spec = std::make_unique<GraphSpec>(load_onnx(path));
    spec->validate();
    spec_ = std::move(spec);
    path_ = path;
    written_ = written;
    ++generation_;
  }
  return *spec_;
}

bool ModelFileCache::changed_on_disk(const std::string& path) {
  if (!spec_ || path_ != path) return false;
  std::error_code error;
  const auto written = std::filesystem::last_write_time(path, error);
  if (error || written == written_) return false;
  spec_.reset();
  return true;
}

std::vector<std::string> model_channel_names(const GraphSpec& model) {
  std::vector<std::string> channels = model.metadata.channel_names;
  const int64_t count = model.input_shape.empty() ? 0 : model.input_shape[0];
  if (channels.empty())
    for (int64_t c = 0; c < count; ++c) channels.push_back("input_" + std::to_string(c));
  if (static_cast<int64_t>(channels.size()) != count)
    throw std::invalid_argument("the model names " + std::to_string(channels.size()) + " channels but takes " +
                                std::to_string(count));
  return channels;
}

ModelInput model_input_from_image(const GraphSpec& model, vtkImageData* image,
                                  const std::vector<std::string>& channel_mapping) {
  const std::vector<std::string> channels = model_channel_names(model);
  const std::map<std::string, std::string> mapping = parse_channel_mapping(channel_mapping);
  ModelInput input;
  input.association = vtkDataObject::FIELD_ASSOCIATION_POINTS;
  std::vector<ChannelSource> sources;
  try {
    sources = match_channels(channels, arrays_of(image->GetPointData()), mapping);
  } catch (const std::invalid_argument&) {
    const std::map<std::string, int> cell_arrays = arrays_of(image->GetCellData());
    // Without cell arrays the point data's message is the helpful one.
    if (cell_arrays.empty()) throw;
    input.association = vtkDataObject::FIELD_ASSOCIATION_CELLS;
    sources = match_channels(channels, cell_arrays, mapping);
  }
  vtkDataSetAttributes* attributes = attributes_of(image, input.association);
  input.spatial = image_spatial_shape(image, input.association);
  const int64_t n = element_count(input.spatial);
  if (static_cast<int64_t>(input.spatial.size()) + 1 != static_cast<int64_t>(model.input_shape.size()))
    throw std::invalid_argument("the model takes " + std::to_string(model.input_shape.size() - 1) +
                                "-D fields but the image is " + std::to_string(input.spatial.size()) + "-D");
  Shape shape{static_cast<int64_t>(sources.size())};
  shape.insert(shape.end(), input.spatial.begin(), input.spatial.end());
  input.values = Tensor(shape);
  const ModelMetadata& meta = model.metadata;
  for (size_t c = 0; c < sources.size(); ++c) {
    vtkDataArray* array = attributes->GetArray(sources[c].array.c_str());
    if (array->GetNumberOfTuples() != n)
      throw std::invalid_argument("array '" + sources[c].array + "' has " + std::to_string(array->GetNumberOfTuples()) +
                                  " values but the image has " + std::to_string(n));
    // The same normalisation as Predictor::normalise (training's statistics).
    const double mean = c < meta.channel_mean.size() ? meta.channel_mean[c] : 0.0;
    const double sd = c < meta.channel_stddev.size() && meta.channel_stddev[c] > 0 ? meta.channel_stddev[c] : 1.0;
    const float scale = static_cast<float>(1.0 / sd), shift = static_cast<float>(mean);
    float* out = input.values.data() + c * n;
    for (int64_t i = 0; i < n; ++i)
      out[i] = (static_cast<float>(array->GetComponent(i, sources[c].component)) - shift) * scale;
  }
  if (input.values.has_non_finite()) throw std::invalid_argument("the input arrays contain NaN or infinite values");
  return input;
}

GraphSpec model_for_field(const GraphSpec& model, const Shape& spatial) {
  GraphSpec resized = model;
  resized.input_shape.resize(1);
  resized.input_shape.insert(resized.input_shape.end(), spatial.begin(), spatial.end());
  return resized;
}

std::vector<std::string> model_tensor_names(const GraphSpec& model) {
  std::vector<std::string> names;
  for (const NodeSpec& node : model.nodes) names.push_back(node.outputs.at(0));
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

namespace {

// The two source indices target index i of N reads on an axis of n layer
// values, and the weight of the second: nearest takes floor(i n / N); linear
// uses half-pixel centres clamped at the borders (PyTorch's
// interpolate with align_corners=False).
void source_taps(int64_t n, int64_t N, int64_t i, bool linear, int64_t& lo, int64_t& hi, float& weight) {
  if (!linear) {
    lo = hi = std::min<int64_t>(n - 1, static_cast<int64_t>(std::floor(double(i) * n / N)));
    weight = 0.0f;
    return;
  }
  const double u = std::clamp((i + 0.5) * n / N - 0.5, 0.0, static_cast<double>(n - 1));
  lo = std::min<int64_t>(static_cast<int64_t>(std::floor(u)), n - 1);
  hi = std::min<int64_t>(lo + 1, n - 1);
  weight = static_cast<float>(u - lo);
}

}  // namespace

void resample_sources(int64_t n, int64_t N, int64_t begin, int64_t end, bool linear, int64_t& first, int64_t& last) {
  // Both taps grow with the target index.
  int64_t lo, hi;
  float weight;
  source_taps(n, N, begin, linear, lo, hi, weight);
  first = lo;
  source_taps(n, N, std::max(begin, end - 1), linear, lo, hi, weight);
  last = hi;
}

Tensor resample_to_grid(const Tensor& native, const Shape& target, bool linear) {
  const Shape& source = native.shape();
  if (source.size() != target.size() + 1)
    throw std::invalid_argument("cannot resample a map of shape " + shape_to_string(source) + " to the grid " +
                                shape_to_string(target));
  const Shape zeros(target.size(), 0);
  return resample_window_to_grid(native, zeros, Shape(source.begin() + 1, source.end()), zeros, target, target, linear);
}

Tensor resample_window_to_grid(const Tensor& native, const Shape& source_begin, const Shape& source_whole,
                               const Shape& target_begin, const Shape& target_size, const Shape& target_whole,
                               bool linear) {
  const Shape& source = native.shape();
  const size_t axes = target_size.size();
  if (source.size() != axes + 1 || source_begin.size() != axes || source_whole.size() != axes ||
      target_begin.size() != axes || target_whole.size() != axes)
    throw std::invalid_argument("cannot resample a map of shape " + shape_to_string(source) + " to the grid " +
                                shape_to_string(target_size));
  // Separable: one axis after the other, each value a blend of two source
  // values along that axis only, so a target value does not depend on the
  // window it was computed in.
  Tensor current = native;
  for (size_t a = 0; a < axes; ++a) {
    const Shape& in_shape = current.shape();
    const int64_t n = in_shape[a + 1];
    int64_t outer = in_shape[0], inner = 1;
    for (size_t b = 0; b < a; ++b) outer *= in_shape[b + 1];
    for (size_t b = a + 1; b < axes; ++b) inner *= in_shape[b + 1];
    Shape out_shape = in_shape;
    out_shape[a + 1] = target_size[a];
    Tensor next(out_shape);
    const int64_t N = target_size[a];
    std::vector<int64_t> lo(static_cast<size_t>(N)), hi(static_cast<size_t>(N));
    std::vector<float> weight(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) {
      const size_t u = static_cast<size_t>(i);
      source_taps(source_whole[a], target_whole[a], target_begin[a] + i, linear, lo[u], hi[u], weight[u]);
      lo[u] -= source_begin[a];
      hi[u] -= source_begin[a];
      if (lo[u] < 0 || hi[u] >= n)
        throw std::logic_error("the layer window " + shape_to_string(source) + " from " +
                               shape_to_string(source_begin) + " lacks values the resampling needs");
    }
    // Rows in memory order: the source rows of one outer index stay in cache.
    if (inner == 1) {  // the fastest axis: a gather per row
      for (int64_t o = 0; o < outer; ++o) {
        const float* row = current.data() + o * n;
        float* out = next.data() + o * N;
        for (size_t u = 0; u < static_cast<size_t>(N); ++u)
          out[u] = (1.0f - weight[u]) * row[lo[u]] + weight[u] * row[hi[u]];
      }
      current = std::move(next);
      continue;
    }
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < N; ++i) {
        const size_t u = static_cast<size_t>(i);
        const float* low = current.data() + (o * n + lo[u]) * inner;
        const float* high = current.data() + (o * n + hi[u]) * inner;
        float* out = next.data() + (o * N + i) * inner;
        const float w = weight[u];
        if (w == 0.0f)
          std::copy(low, low + inner, out);
        else
          for (int64_t k = 0; k < inner; ++k) out[k] = (1.0f - w) * low[k] + w * high[k];
      }
    current = std::move(next);
  }
  return current;
}

void paste_field(const Tensor& part, Tensor& field, const Shape& begin) {
  const size_t dims = begin.size();
  if (part.shape().size() != dims + 1 || field.shape().size() != dims + 1 || part.dim(0) != field.dim(0))
    throw std::invalid_argument("cannot paste a part of shape " + shape_to_string(part.shape()) +
                                " into a field of shape " + shape_to_string(field.shape()));
  for (size_t t = 0; t < dims; ++t)
    if (begin[t] < 0 || begin[t] + part.dim(t + 1) > field.dim(t + 1))
      throw std::invalid_argument("a part of shape " + shape_to_string(part.shape()) + " at " + shape_to_string(begin) +
                                  " does not fit into a field of shape " + shape_to_string(field.shape()));
  // Every field as (C, D, H, W), with D = 1 for 2-D, as in crop_field.
  const int64_t C = field.dim(0);
  const int64_t D = dims == 3 ? field.dim(1) : 1, H = field.dim(dims - 1), W = field.dim(dims);
  const int64_t d0 = dims == 3 ? begin[0] : 0, h0 = begin[dims - 2], w0 = begin[dims - 1];
  const int64_t sd = dims == 3 ? part.dim(1) : 1, sh = part.dim(dims - 1), sw = part.dim(dims);
  const float* in = part.data();
  for (int64_t c = 0; c < C; ++c)
    for (int64_t d = 0; d < sd; ++d)
      for (int64_t h = 0; h < sh; ++h) {
        std::copy(in, in + sw, field.data() + ((c * D + d0 + d) * H + h0 + h) * W + w0);
        in += sw;
      }
}

GraphSpec model_up_to(const GraphSpec& model, const std::string& layer) {
  require_layer(model, layer);
  // The layer's ancestors, walking back from it (nodes are in execution order).
  std::set<std::string> needed = {layer};
  GraphSpec part = model;
  part.nodes.clear();
  for (auto it = model.nodes.rbegin(); it != model.nodes.rend(); ++it)
    if (needed.count(it->outputs.at(0))) {
      part.nodes.insert(part.nodes.begin(), *it);
      needed.insert(it->inputs.begin(), it->inputs.end());
    }
  part.weights.clear();
  for (const auto& [name, value] : model.weights)
    if (needed.count(name)) part.weights.emplace(name, value);
  part.output_name = layer;
  return part;
}

LayerReach layer_reach(const GraphSpec& model, const std::string& layer) {
  const GraphSpec part = model_up_to(model, layer);
  LayerReach reach;
  reach.local = std::none_of(part.nodes.begin(), part.nodes.end(), [](const NodeSpec& node) {
    return node.op == "GlobalAveragePool" || node.op == "Flatten" || node.op == "Gemm";
  });
  if (!reach.local) return reach;
  const SpatialGeometry geometry = analyse_spatial_geometry(part);
  reach.alignment = geometry.downsampling;
  reach.radius = geometry.receptive_radius;
  // The layer's stride from two probe sizes: layer sides grow by
  // (input growth) / stride whatever the borders cost.
  const size_t axes = model.input_shape.size() - 1;
  const int64_t small = 4 * reach.alignment, large = 8 * reach.alignment;
  const Shape a = layer_spatial_shape(part, layer, Shape(axes, small));
  const Shape b = layer_spatial_shape(part, layer, Shape(axes, large));
  for (size_t t = 0; t < axes; ++t) {
    const int64_t growth = b.at(t) - a.at(t);
    if (growth <= 0 || (large - small) % growth != 0 || (t > 0 && (large - small) / growth != reach.stride))
      throw std::invalid_argument("layer '" + layer + "' has no whole stride along every axis");
    reach.stride = (large - small) / growth;
  }
  if (reach.alignment % reach.stride != 0)
    throw std::invalid_argument("layer '" + layer + "': its stride " + std::to_string(reach.stride) +
                                " does not divide the downsampling " + std::to_string(reach.alignment));
  return reach;
}

int halo_ghost_levels(const LayerReach& reach) {
  // Resampling reads up to one layer value (stride input values) past the
  // piece's own on each side, then the window reaches the radius further
  // and rounds outwards to the alignment.
  return static_cast<int>(reach.radius + 2 * reach.stride + 2 * reach.alignment);
}

Shape layer_spatial_shape(const GraphSpec& model, const std::string& layer, const Shape& spatial) {
  const std::map<std::string, Shape> shapes = infer_shapes(model_for_field(model, spatial));
  auto it = shapes.find(layer);
  if (it == shapes.end()) throw std::invalid_argument("the model has no layer '" + layer + "'");
  if (it->second.size() < 2) return {};
  return Shape(it->second.begin() + 1, it->second.end());
}

std::string last_spatial_layer(const GraphSpec& model, const Shape& spatial) {
  const std::map<std::string, Shape> shapes = infer_shapes(model_for_field(model, spatial));
  const std::vector<std::string> names = model_tensor_names(model);
  for (auto it = names.rbegin(); it != names.rend(); ++it)
    if (*it != model.output_name) {
      const Shape& shape = shapes.at(*it);  // per sample: (C, spatial...)
      if (shape.size() >= 2 && element_count(Shape(shape.begin() + 1, shape.end())) > 1) return *it;
    }
  throw std::invalid_argument("the model has no intermediate tensor with spatial axes");
}

void coarse_grid(vtkImageData* image, int association, const Shape& input_spatial, const Shape& layer,
                 vtkImageData* coarse) {
  double origin[3], spacing[3];
  image->GetOrigin(origin);
  image->GetSpacing(spacing);
  int extent[6];
  image->GetExtent(extent);
  int dims[3] = {1, 1, 1};
  const size_t axes = input_spatial.size();
  for (size_t t = 0; t < axes; ++t) {
    const int a = static_cast<int>(axes - 1 - t);  // tensor axis t is VTK axis a
    const double ratio = static_cast<double>(input_spatial[t]) / static_cast<double>(layer[t]);
    const double start = origin[a] + spacing[a] * extent[2 * a];
    if (association == vtkDataObject::FIELD_ASSOCIATION_CELLS) {
      // Layer cell j spans input cells [j r, (j + 1) r).
      origin[a] = start;
      dims[a] = static_cast<int>(layer[t]) + 1;
    } else {
      // Layer value j summarises input points [j r, (j + 1) r - 1]: at their centre.
      origin[a] = start + spacing[a] * (ratio - 1.0) / 2.0;
      dims[a] = static_cast<int>(layer[t]);
    }
    spacing[a] *= ratio;
  }
  coarse->Initialize();
  coarse->SetOrigin(origin);
  coarse->SetSpacing(spacing);
  coarse->SetDimensions(dims);
  coarse->SetDirectionMatrix(image->GetDirectionMatrix());
}

std::string last_spatial_layer(const Network& network) {
  const std::vector<std::string> names = network.tensor_names();
  const std::string& output = network.spec().output_name;
  for (auto it = names.rbegin(); it != names.rend(); ++it)
    if (*it != output) {
      // A globally pooled (N, C, 1, 1) tensor has axes but no extent.
      const Shape shape = network.tensor_shape(*it);
      if (shape.size() >= 3 && element_count(Shape(shape.begin() + 2, shape.end())) > 1) return *it;
    }
  throw std::invalid_argument("the model has no intermediate tensor with spatial axes");
}

void require_layer(const GraphSpec& model, const std::string& layer) {
  const std::vector<std::string> names = model_tensor_names(model);
  if (std::find(names.begin(), names.end(), layer) == names.end())
    throw std::invalid_argument("the model has no layer '" + layer + "'; its layers are: " + joined(names));
}

namespace {
int pieces_of(vtkInformation* outInfo) {
  return outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES())
             ? outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES())
             : 1;
}
int piece_of(vtkInformation* outInfo) {
  return outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER())
             ? outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER())
             : 0;
}
}  // namespace

void request_whole_field_on_first_piece(vtkInformation* outInfo, vtkInformation* inInfo) {
  if (!inInfo->Has(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT())) return;
  int whole[6];
  inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
  if (pieces_of(outInfo) <= 1) {
    // Also when downstream asks for less (a coarser native grid, a sub-extent).
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), whole, 6);
    return;
  }
  const int none[6] = {0, -1, 0, -1, 0, -1};
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), piece_of(outInfo) == 0 ? whole : none, 6);
  // Sources that produce sub-extents turn the piece request into an extent
  // themselves: the first rank asks for the only piece of one.
  if (piece_of(outInfo) == 0) {
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER(), 0);
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES(), 1);
  }
  inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_GHOST_LEVELS(), 0);
}

bool idle_piece(vtkInformation* outInfo) { return pieces_of(outInfo) > 1 && piece_of(outInfo) != 0; }

int find_association(const GraphSpec& model, vtkImageData* image, const std::vector<std::string>& channel_mapping) {
  if (!image) return -1;
  const std::vector<std::string> channels = model_channel_names(model);
  const std::map<std::string, std::string> mapping = parse_channel_mapping(channel_mapping);
  for (int association : {vtkDataObject::FIELD_ASSOCIATION_POINTS, vtkDataObject::FIELD_ASSOCIATION_CELLS}) {
    try {
      match_channels(channels, arrays_of(attributes_of(image, association)), mapping);
      return association;
    } catch (const std::invalid_argument&) {
      // not these arrays
    }
  }
  return -1;
}

Shape extent_spatial_shape(const int extent[6], int association) {
  vtkNew<vtkImageData> shape_only;  // no arrays: only its dimensions are used
  shape_only->SetExtent(const_cast<int*>(extent));
  return image_spatial_shape(shape_only, association);
}

}  // namespace nv
