#include "nvFeatureVectors.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "neuralview/channel_matching.h"
#include "neuralview/graph_analysis.h"
#include "neuralview/network.h"
#include "neuralview/onnx_io.h"
#include "nvArrayChannels.h"
#include "nvImageTensors.h"
#include "vtkCellData.h"
#include "vtkDataArray.h"
#include "vtkDataSetAttributes.h"
#include "vtkFieldData.h"
#include "vtkImageData.h"
#include "vtkMultiProcessController.h"
#include "vtkPointData.h"
#include "vtkPointSet.h"
#include "vtkPoints.h"
#include "vtkUnsignedCharArray.h"

namespace nv {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::map<std::string, int> arrays_of(vtkDataSetAttributes* attributes) {
  std::map<std::string, int> arrays;
  for (int i = 0; i < attributes->GetNumberOfArrays(); ++i)
    if (vtkDataArray* a = attributes->GetArray(i))
      if (a->GetName()) arrays[a->GetName()] = a->GetNumberOfComponents();
  return arrays;
}

// The most frequent value (smallest on ties), NaN for none.
double mode_of(const std::vector<double>& values) {
  std::map<double, size_t> counts;
  for (double v : values)
    if (!std::isnan(v)) ++counts[v];
  double best = nan;
  size_t top = 0;
  for (const auto& [v, c] : counts)
    if (c > top) best = v, top = c;
  return best;
}

double mean_of(const std::vector<double>& values) {
  double sum = 0;
  size_t n = 0;
  for (double v : values)
    if (!std::isnan(v)) sum += v, ++n;
  return n ? sum / n : nan;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One-component array of an attribute set, as doubles per tuple (empty when absent).
std::vector<double> tuple_values(vtkDataSetAttributes* attributes, const std::string& name) {
  std::vector<double> values;
  if (name.empty()) return values;
  vtkDataArray* array = attributes->GetArray(name.c_str());
  if (!array) return values;
  values.resize(static_cast<size_t>(array->GetNumberOfTuples()));
  for (vtkIdType i = 0; i < array->GetNumberOfTuples(); ++i) values[i] = array->GetComponent(i, 0);
  return values;
}

double field_value(vtkImageData* image, const std::string& name) {
  if (name.empty()) return nan;
  vtkDataArray* array = image->GetFieldData()->GetArray(name.c_str());
  return array && array->GetNumberOfTuples() > 0 ? array->GetComponent(0, 0) : nan;
}

}  // namespace

void FeatureSet::append_row(const FeatureSet& from, size_t row) {
  values.insert(values.end(), from.values.begin() + row * from.dimension,
                from.values.begin() + (row + 1) * from.dimension);
  global_ids.push_back(from.global_ids[row]);
  sample_index.push_back(from.sample_index[row]);
  point_index.push_back(from.point_index[row]);
  label.push_back(from.label[row]);
  prediction.push_back(from.prediction[row]);
  error.push_back(from.error[row]);
  owned.push_back(from.owned[row]);
}

struct FeatureExtractor::Model {
  GraphSpec spec;
  SpatialGeometry geometry;
  std::map<Shape, std::unique_ptr<Network>> networks;
  std::vector<std::string> channels;

  Network& network_for(const Shape& sample_shape) {
    auto it = networks.find(sample_shape);
    if (it != networks.end()) return *it->second;
    GraphSpec resized = spec;
    resized.input_shape = sample_shape;
    return *networks.emplace(sample_shape, std::make_unique<Network>(resized, 1)).first->second;
  }
};

FeatureExtractor::FeatureExtractor(FeatureSettings settings) : settings_(std::move(settings)) {
  if (settings_.granularity < per_sample || settings_.granularity > per_patch)
    throw std::invalid_argument("Granularity must be PerSample (0), PerPixel (1) or PerPatch (2)");
  if (settings_.model_file.empty()) {
    if (settings_.feature_arrays.empty() && !settings_.point_input)
      throw std::invalid_argument("neither a ModelFile nor FeatureArrays are given: nothing to take features from");
    return;
  }
  std::error_code error;
  if (!std::filesystem::is_regular_file(settings_.model_file, error))
    throw std::invalid_argument("cannot read the model file '" + settings_.model_file + "'");
  model_ = std::make_unique<Model>();
  model_->spec = load_onnx(settings_.model_file);
  model_->geometry = analyse_spatial_geometry(model_->spec);
  model_->channels = model_->spec.metadata.channel_names;
  const int64_t C = model_->spec.input_shape.at(0);
  if (model_->channels.empty())
    for (int64_t c = 0; c < C; ++c) model_->channels.push_back("input_" + std::to_string(c));
  if (static_cast<int64_t>(model_->channels.size()) != C)
    throw std::invalid_argument("the model names " + std::to_string(model_->channels.size()) + " channels but takes " +
                                std::to_string(C));
}

FeatureExtractor::~FeatureExtractor() = default;

namespace {

// The bottleneck: the tensor of lowest spatial resolution (a non-spatial
// tensor counts as one pixel), the last such in execution order, skipping
// the output and tensors shaped like it (the head).
std::string default_layer(Network& net, const GraphSpec& spec) {
  const Shape output = net.tensor_shape(spec.output_name);
  std::string best;
  int64_t best_count = std::numeric_limits<int64_t>::max();
  for (const std::string& name : net.tensor_names()) {
    if (name == spec.output_name) continue;
    const Shape shape = net.tensor_shape(name);
    if (element_count(shape) == element_count(output)) continue;
    int64_t count = 1;
    for (size_t a = 2; a < shape.size(); ++a) count *= shape[a];
    if (count <= best_count) best = name, best_count = count;
  }
  if (best.empty()) throw std::invalid_argument("the network has no intermediate tensor to take features from");
  return best;
}

// Replicates the last row/column/layer so every side is a multiple of `factor`.
Tensor pad_to_multiple(const Tensor& field, int64_t factor) {
  Shape padded = field.shape();
  bool same = true;
  for (size_t a = 1; a < padded.size(); ++a) {
    padded[a] = (padded[a] + factor - 1) / factor * factor;
    same = same && padded[a] == field.dim(a);
  }
  if (same) return field;
  Tensor out(padded);
  const size_t rank = padded.size();
  std::vector<int64_t> index(rank, 0);
  const int64_t total = out.size();
  for (int64_t i = 0; i < total; ++i) {
    int64_t rest = i, source = 0, stride = 1;
    for (size_t a = rank; a-- > 0;) {
      const int64_t coordinate = rest % padded[a];
      rest /= padded[a];
      source += std::min(coordinate, field.dim(a) - 1) * stride;
      stride *= field.dim(a);
    }
    out[i] = field[source];
  }
  return out;
}

}  // namespace

SampleRows FeatureExtractor::add_sample(vtkImageData* image, int64_t sample, const int* whole_extent,
                                        FeatureSet& rows) {
  SampleRows placed;
  placed.first_row = rows.rows();
  placed.granularity = settings_.granularity;
  if (!image || image->GetNumberOfPoints() == 0) return placed;

  // The field: (C, spatial...) values and their association.
  Tensor field;
  int association = vtkDataObject::FIELD_ASSOCIATION_POINTS;
  if (model_) {
    const auto mapping = parse_channel_mapping(settings_.channel_mapping);
    std::vector<ChannelSource> sources;
    try {
      sources = match_channels(model_->channels, arrays_of(image->GetPointData()), mapping);
    } catch (const std::invalid_argument&) {
      if (image->GetCellData()->GetNumberOfArrays() == 0) throw;
      association = vtkDataObject::FIELD_ASSOCIATION_CELLS;
      sources = match_channels(model_->channels, arrays_of(image->GetCellData()), mapping);
    }
    vtkDataSetAttributes* attributes = attributes_of(image, association);
    const Shape spatial = image_spatial_shape(image, association);
    const int64_t n = element_count(spatial);
    Shape shape = {static_cast<int64_t>(sources.size())};
    shape.insert(shape.end(), spatial.begin(), spatial.end());
    field = Tensor(shape);
    for (size_t c = 0; c < sources.size(); ++c) {
      vtkDataArray* array = attributes->GetArray(sources[c].array.c_str());
      for (int64_t i = 0; i < n; ++i)
        field[c * n + i] = static_cast<float>(array->GetComponent(i, sources[c].component));
    }
  } else {
    ImageField f = field_from_image(image, settings_.feature_arrays);
    if (f.values.empty()) return placed;
    field = std::move(f.values);
    association = f.association;
  }
  if (field.has_non_finite()) throw std::invalid_argument("the input field holds NaN or infinite values");
  placed.association = association;
  vtkDataSetAttributes* attributes = attributes_of(image, association);
  const Shape spatial = image_spatial_shape(image, association);
  const size_t dims = spatial.size();
  const int64_t n = element_count(spatial), C = field.dim(0);

  // Where each tuple lies in the whole extent, and whether this piece owns it.
  int extent[6], whole[6];
  image->GetExtent(extent);
  std::copy(whole_extent ? whole_extent : extent, (whole_extent ? whole_extent : extent) + 6, whole);
  const bool cells = association == vtkDataObject::FIELD_ASSOCIATION_CELLS;
  int64_t whole_dims[3], local_dims[3];
  for (int a = 0; a < 3; ++a) {
    whole_dims[a] = cells ? std::max(whole[2 * a + 1] - whole[2 * a], 1) : whole[2 * a + 1] - whole[2 * a] + 1;
    local_dims[a] = cells ? std::max(extent[2 * a + 1] - extent[2 * a], 1) : extent[2 * a + 1] - extent[2 * a] + 1;
  }
  const int64_t whole_count = whole_dims[0] * whole_dims[1] * whole_dims[2];
  vtkUnsignedCharArray* ghosts = attributes->GetGhostArray();
  const unsigned char ghost_mask = cells ? (vtkDataSetAttributes::DUPLICATECELL | vtkDataSetAttributes::HIDDENCELL)
                                         : (vtkDataSetAttributes::DUPLICATEPOINT | vtkDataSetAttributes::HIDDENPOINT);
  std::vector<int64_t> global_index(n);
  std::vector<char> owned(n, 1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, g[3];
    int64_t index = 0, stride = 1;
    for (int a = 0; a < 3; ++a) {
      const int64_t local = rest % local_dims[a];
      rest /= local_dims[a];
      g[a] = extent[2 * a] + local - whole[2 * a];
      // Pieces share their boundary points: the piece above owns them.
      if (!cells && local == local_dims[a] - 1 && extent[2 * a + 1] < whole[2 * a + 1] && local_dims[a] > 1)
        owned[i] = 0;
      index += g[a] * stride;
      stride *= whole_dims[a];
    }
    global_index[i] = index;
    if (ghosts && (ghosts->GetValue(i) & ghost_mask)) owned[i] = 0;
  }

  // Per-tuple label, prediction and error, and per-sample ones from field data.
  if (!settings_.label_array.empty() && !attributes->GetArray(settings_.label_array.c_str()) &&
      !image->GetFieldData()->GetArray(settings_.label_array.c_str()))
    throw std::invalid_argument("label array '" + settings_.label_array +
                                "' is neither a field-data array nor on the same points/cells as the features");
  std::vector<double> label = tuple_values(attributes, settings_.label_array);
  std::vector<double> prediction = tuple_values(attributes, settings_.prediction_array);
  std::vector<double> error = tuple_values(attributes, settings_.error_array);
  double sample_label = field_value(image, settings_.label_array);
  double sample_prediction = field_value(image, settings_.prediction_array);
  double sample_error = field_value(image, settings_.error_array);

  // Features per tuple (model: layer activations mapped onto the pixels) or per sample.
  std::vector<float> sample_features;  // per-sample granularity
  std::vector<float> tuple_features;   // n x D, interleaved
  std::vector<float> coarse_features;  // model, per patch: one patch per layer cell
  int64_t D = 0;
  int64_t layer_factor = 1;
  if (model_) {
    const ModelMetadata& meta = model_->spec.metadata;
    Tensor x = field;
    for (int64_t c = 0; c < C; ++c) {
      const double mean = c < static_cast<int64_t>(meta.channel_mean.size()) ? meta.channel_mean[c] : 0.0;
      const double sd = c < static_cast<int64_t>(meta.channel_stddev.size()) && meta.channel_stddev[c] > 0
                            ? meta.channel_stddev[c]
                            : 1.0;
      for (int64_t i = 0; i < n; ++i) x[c * n + i] = static_cast<float>((x[c * n + i] - mean) / sd);
    }
    if (x.rank() != model_->spec.input_shape.size())
      throw std::invalid_argument("the model takes " + std::to_string(model_->spec.input_shape.size() - 1) +
                                  "-D fields, the input is " + std::to_string(dims) + "-D");
    Tensor padded = pad_to_multiple(x, model_->geometry.downsampling);
    Network& net = model_->network_for(padded.shape());
    if (layer_used_.empty()) layer_used_ = settings_.layer.empty() ? default_layer(net, model_->spec) : settings_.layer;
    Shape batched = {1};
    batched.insert(batched.end(), padded.shape().begin(), padded.shape().end());
    const Tensor out = net.forward(padded.reshaped(batched));
    const Tensor act = net.activation(layer_used_);
    const bool spatial_layer = act.rank() == dims + 2;
    D = spatial_layer ? act.dim(1) : act.size();
    Shape act_spatial, pad_spatial(padded.shape().begin() + 1, padded.shape().end());
    if (spatial_layer) act_spatial.assign(act.shape().begin() + 2, act.shape().end());
    const int64_t cells_per_channel = spatial_layer ? element_count(act_spatial) : 1;
    if (spatial_layer) layer_factor = std::max<int64_t>(1, pad_spatial[0] / act_spatial[0]);
    if (settings_.granularity == per_sample) {
      sample_features.assign(D, 0.0f);
      if (spatial_layer) {
        for (int64_t c = 0; c < D; ++c) {
          double sum = 0;
          for (int64_t k = 0; k < cells_per_channel; ++k) sum += act[c * cells_per_channel + k];
          sample_features[c] = static_cast<float>(sum / cells_per_channel);  // global average pooling
        }
      } else {
        sample_features.assign(act.data(), act.data() + act.size());
      }
    } else {
      if (!spatial_layer)
        throw std::invalid_argument("layer '" + layer_used_ + "' (shape " + shape_to_string(act.shape()) +
                                    ") has no spatial axes: use the PerSample granularity");
      tuple_features.resize(n * D);
      for (int64_t i = 0; i < n; ++i) {
        int64_t rest = i, cell = 0, stride = 1;
        for (size_t t = dims; t-- > 0;) {
          const int64_t coordinate = rest % spatial[t];
          rest /= spatial[t];
          cell += (coordinate * act_spatial[t] / pad_spatial[t]) * stride;
          stride *= act_spatial[t];
        }
        for (int64_t c = 0; c < D; ++c) tuple_features[i * D + c] = act[c * cells_per_channel + cell];
      }
    }
    // Predictions and errors from the network's output where the input has none.
    const std::string task = meta.task.empty() ? "segmentation" : meta.task;
    const int64_t K = out.dim(1);
    if (task == "segmentation" && out.rank() == dims + 2 && prediction.empty()) {
      const int64_t out_cells = out.size() / K;
      prediction.assign(n, 0.0);
      for (int64_t i = 0; i < n; ++i) {
        // The output has the padded size; tuple i sits at the same coordinates.
        int64_t rest = i, cell = 0, stride = 1;
        for (size_t t = dims; t-- > 0;) {
          const int64_t coordinate = rest % spatial[t];
          rest /= spatial[t];
          cell += coordinate * stride;
          stride *= pad_spatial[t];
        }
        int64_t best = 0;
        for (int64_t k = 1; k < K; ++k)
          if (out[k * out_cells + cell] > out[best * out_cells + cell]) best = k;
        prediction[i] = static_cast<double>(best);
      }
    } else if (task == "classification" && std::isnan(sample_prediction)) {
      int64_t best = 0;
      for (int64_t k = 1; k < out.size(); ++k)
        if (out[k] > out[best]) best = k;
      sample_prediction = static_cast<double>(best);
    } else if (task == "regression" && std::isnan(sample_prediction)) {
      sample_prediction = out[0];
    } else if (task == "autoencoder" && error.empty() && out.rank() == dims + 2) {
      const int64_t out_cells = out.size() / K;
      error.assign(n, 0.0);
      for (int64_t i = 0; i < n; ++i) {
        int64_t rest = i, cell = 0, stride = 1;
        for (size_t t = dims; t-- > 0;) {
          const int64_t coordinate = rest % spatial[t];
          rest /= spatial[t];
          cell += coordinate * stride;
          stride *= pad_spatial[t];
        }
        double squared = 0;
        for (int64_t c = 0; c < std::min(K, C); ++c) {
          const double d = out[c * out_cells + cell] - x[c * n + i];
          squared += d * d;
        }
        error[i] = squared / std::min(K, C);
      }
    }
    if (error.empty() && std::isnan(sample_error) && task == "regression" && !std::isnan(sample_label) &&
        !std::isnan(sample_prediction))
      sample_error = std::abs(sample_prediction - sample_label);
  } else {
    D = C;
    if (settings_.granularity == per_sample) {
      // Without a model a sample's vector is the sample itself: every value, channel by channel.
      sample_features.assign(field.data(), field.data() + field.size());
      D = field.size();
    } else {
      tuple_features.resize(n * D);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < C; ++c) tuple_features[i * D + c] = field[c * n + i];
    }
  }
  // Mistakes as the error where nothing else says what the error is.
  if (error.empty() && !label.empty() && !prediction.empty()) {
    error.resize(n);
    for (int64_t i = 0; i < n; ++i) error[i] = label[i] != prediction[i] ? 1.0 : 0.0;
  }

  auto owned_values = [&](const std::vector<double>& values) {
    std::vector<double> kept;
    for (int64_t i = 0; i < n; ++i)
      if (owned[i] && i < static_cast<int64_t>(values.size())) kept.push_back(values[i]);
    return kept;
  };
  auto push_row = [&](const float* features, int64_t feature_count, int64_t point, double l, double p, double e,
                      bool own) {
    if (rows.dimension == 0 && rows.rows() == 0) rows.dimension = static_cast<size_t>(feature_count);
    if (static_cast<int64_t>(rows.dimension) != feature_count)
      throw std::invalid_argument("samples give feature vectors of different lengths (" +
                                  std::to_string(rows.dimension) + " and " + std::to_string(feature_count) +
                                  "); per-sample features without a model need samples of one size");
    rows.values.insert(rows.values.end(), features, features + feature_count);
    rows.sample_index.push_back(sample);
    rows.point_index.push_back(point);
    rows.global_ids.push_back(point < 0 ? sample : sample * whole_count + point);
    rows.label.push_back(l);
    rows.prediction.push_back(p);
    rows.error.push_back(e);
    rows.owned.push_back(own ? 1 : 0);
    rows.has_label = rows.has_label || !std::isnan(l);
    rows.has_prediction = rows.has_prediction || !std::isnan(p);
    rows.has_error = rows.has_error || !std::isnan(e);
  };

  if (settings_.granularity == per_sample) {
    const double l = !std::isnan(sample_label) ? sample_label : mode_of(owned_values(label));
    const double p = !std::isnan(sample_prediction) ? sample_prediction : mode_of(owned_values(prediction));
    double e = !std::isnan(sample_error) ? sample_error : mean_of(owned_values(error));
    if (std::isnan(e) && !std::isnan(l) && !std::isnan(p) && !(model_ && model_->spec.metadata.task == "regression"))
      e = l != p ? 1.0 : 0.0;
    push_row(sample_features.data(), static_cast<int64_t>(sample_features.size()), -1, l, p, e, true);
    placed.tuple_row.assign(n, 0);
  } else if (settings_.granularity == per_pixel) {
    placed.tuple_row.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      push_row(tuple_features.data() + i * D, D, global_index[i], label.empty() ? nan : label[i],
               prediction.empty() ? (std::isnan(sample_prediction) ? nan : sample_prediction) : prediction[i],
               error.empty() ? nan : error[i], owned[i]);
      placed.tuple_row[i] = i;
    }
  } else {
    const int64_t P = settings_.patch_size > 0 ? settings_.patch_size : (model_ ? layer_factor : 8);
    placed.patch_size = P;
    placed.tuple_row.assign(n, -1);
    // Patches tile the whole extent from its corner; only complete ones inside this piece count.
    int64_t first[3] = {0, 0, 0}, count[3] = {1, 1, 1};
    for (size_t a = 0; a < dims; ++a) {
      const int64_t lo = extent[2 * a] - whole[2 * a];
      first[a] = (lo + P - 1) / P;
      const int64_t end = (lo + local_dims[a]) / P;  // exclusive, complete patches only
      count[a] = std::max<int64_t>(0, end - first[a]);
    }
    std::vector<float> features;
    int64_t row = 0;
    for (int64_t pz = 0; pz < count[2]; ++pz)
      for (int64_t py = 0; py < count[1]; ++py)
        for (int64_t px = 0; px < count[0]; ++px) {
          const int64_t patch[3] = {first[0] + px, first[1] + py, first[2] + pz};
          std::vector<int64_t> members;
          const int64_t zs = dims == 2 ? 1 : P;
          for (int64_t z = 0; z < zs; ++z)
            for (int64_t y = 0; y < P; ++y)
              for (int64_t x = 0; x < P; ++x) {
                const int64_t l[3] = {patch[0] * P + x - (extent[0] - whole[0]),
                                      patch[1] * P + y - (extent[2] - whole[2]),
                                      dims == 2 ? 0 : patch[2] * P + z - (extent[4] - whole[4])};
                members.push_back(l[0] + local_dims[0] * (l[1] + local_dims[1] * l[2]));
              }
          features.clear();
          if (model_) {
            features.assign(D, 0.0f);
            for (int64_t m : members)
              for (int64_t c = 0; c < D; ++c) features[c] += tuple_features[m * D + c] / members.size();
          } else {
            for (int64_t c = 0; c < C; ++c)
              for (int64_t m : members) features.push_back(field[c * n + m]);
          }
          std::vector<double> l, p, e;
          for (int64_t m : members) {
            if (!label.empty()) l.push_back(label[m]);
            if (!prediction.empty()) p.push_back(prediction[m]);
            if (!error.empty()) e.push_back(error[m]);
            placed.tuple_row[m] = row;
          }
          const int64_t centre = members[((dims == 2 ? 0 : P / 2) * P + P / 2) * P + P / 2];
          push_row(features.data(), static_cast<int64_t>(features.size()), global_index[centre], mode_of(l),
                   p.empty() ? sample_prediction : mode_of(p), mean_of(e), P > 1 || owned[centre]);
          ++row;
        }
  }
  placed.row_count = rows.rows() - placed.first_row;
  return placed;
}

void FeatureExtractor::add_points(vtkPointSet* points, int64_t id_offset, FeatureSet& rows) {
  if (!points || points->GetNumberOfPoints() == 0) return;
  const vtkIdType n = points->GetNumberOfPoints();
  vtkPointData* pd = points->GetPointData();
  std::vector<float> features;
  size_t D = 3;
  if (!settings_.feature_arrays.empty()) {
    ArrayChannels channels = extract_channels(points, settings_.feature_arrays);
    if (channels.association != vtkDataObject::FIELD_ASSOCIATION_POINTS)
      throw std::invalid_argument("FeatureArrays of a point set must be point arrays");
    features = std::move(channels.interleaved);
    D = channels.channel_names.size();
  } else {
    features.resize(n * 3);
    for (vtkIdType i = 0; i < n; ++i) {
      double x[3];
      points->GetPoint(i, x);
      for (int a = 0; a < 3; ++a) features[i * 3 + a] = static_cast<float>(x[a]);
    }
  }
  if (rows.rows() == 0) rows.dimension = D;
  auto column = [&](const std::string& name) { return tuple_values(pd, name); };
  vtkDataArray* ids = pd->GetGlobalIds() ? pd->GetGlobalIds() : pd->GetArray("GlobalIds");
  const std::vector<double> sample = column("SampleIndex"), point = column("PointIndex");
  const std::vector<double> label = column(settings_.label_array.empty() ? "Label" : settings_.label_array);
  const std::vector<double> prediction = column(settings_.prediction_array);
  const std::vector<double> error = column(settings_.error_array.empty() ? "Error" : settings_.error_array);
  for (vtkIdType i = 0; i < n; ++i) {
    for (size_t c = 0; c < D; ++c) {
      if (!std::isfinite(features[i * D + c])) throw std::invalid_argument("the points hold NaN or infinite features");
      rows.values.push_back(features[i * D + c]);
    }
    rows.global_ids.push_back(ids ? static_cast<int64_t>(ids->GetComponent(i, 0)) : id_offset + i);
    rows.sample_index.push_back(sample.empty() ? -1 : static_cast<int64_t>(sample[i]));
    rows.point_index.push_back(point.empty() ? i : static_cast<int64_t>(point[i]));
    rows.label.push_back(label.empty() ? nan : label[i]);
    rows.prediction.push_back(prediction.empty() ? nan : prediction[i]);
    rows.error.push_back(error.empty() ? nan : error[i]);
    rows.owned.push_back(1);
  }
  rows.has_label = rows.has_label || !label.empty();
  rows.has_prediction = rows.has_prediction || !prediction.empty();
  rows.has_error = rows.has_error || !error.empty();
}

std::vector<char> owned_tuples(vtkImageData* image, int association, const int* whole_extent) {
  const bool cells = association == vtkDataObject::FIELD_ASSOCIATION_CELLS;
  const vtkIdType n = cells ? image->GetNumberOfCells() : image->GetNumberOfPoints();
  std::vector<char> owned(static_cast<size_t>(n), 1);
  int extent[6];
  image->GetExtent(extent);
  vtkDataSetAttributes* attributes = attributes_of(image, association);
  if (!cells && whole_extent) {
    int64_t dims[3];
    for (int a = 0; a < 3; ++a) dims[a] = extent[2 * a + 1] - extent[2 * a] + 1;
    for (vtkIdType i = 0; i < n; ++i) {
      int64_t rest = i;
      for (int a = 0; a < 3; ++a) {
        const int64_t local = rest % dims[a];
        rest /= dims[a];
        if (local == dims[a] - 1 && dims[a] > 1 && extent[2 * a + 1] < whole_extent[2 * a + 1]) owned[i] = 0;
      }
    }
  }
  if (vtkUnsignedCharArray* ghosts = attributes->GetGhostArray()) {
    const unsigned char mask = cells ? (vtkDataSetAttributes::DUPLICATECELL | vtkDataSetAttributes::HIDDENCELL)
                                     : (vtkDataSetAttributes::DUPLICATEPOINT | vtkDataSetAttributes::HIDDENPOINT);
    for (vtkIdType i = 0; i < n && i < ghosts->GetNumberOfTuples(); ++i)
      if (ghosts->GetValue(i) & mask) owned[i] = 0;
  }
  return owned;
}

FeatureSet subsample_owned(const FeatureSet& rows, size_t max_rows, uint64_t seed) {
  std::vector<std::pair<uint64_t, size_t>> keys;
  for (size_t r = 0; r < rows.rows(); ++r)
    if (rows.owned[r]) keys.emplace_back(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(rows.global_ids[r])), r);
  if (max_rows > 0 && keys.size() > max_rows) {
    std::nth_element(keys.begin(), keys.begin() + max_rows, keys.end());
    keys.resize(max_rows);
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  FeatureSet out;
  out.dimension = rows.dimension;
  out.has_label = rows.has_label;
  out.has_prediction = rows.has_prediction;
  out.has_error = rows.has_error;
  for (const auto& key : keys) out.append_row(rows, key.second);
  return out;
}

vtkMultiProcessController* parallel_controller() {
  vtkMultiProcessController* controller = vtkMultiProcessController::GetGlobalController();
  return controller && controller->GetNumberOfProcesses() > 1 ? controller : nullptr;
}

FeatureSet gather_rows_to_root(const FeatureSet& local, vtkMultiProcessController* controller) {
  FeatureSet all;
  if (!controller) {
    all = local;
  } else {
    // Agree on the dimension and on which optional columns exist.
    const bool any = local.rows() > 0;
    double agree[5] = {any ? static_cast<double>(local.dimension) : -1.0,
                       any ? -static_cast<double>(local.dimension) : -1e300, local.has_label ? 1.0 : 0.0,
                       local.has_prediction ? 1.0 : 0.0, local.has_error ? 1.0 : 0.0};
    double reduced[5];
    controller->AllReduce(agree, reduced, 5, vtkCommunicator::MAX_OP);
    if (reduced[0] >= 0 && reduced[0] != -reduced[1])
      throw std::invalid_argument("ranks extract feature vectors of different lengths");
    const size_t D = reduced[0] > 0 ? static_cast<size_t>(reduced[0]) : 0;
    const size_t width = D + 6;
    std::vector<double> send;
    send.reserve(local.rows() * width);
    for (size_t r = 0; r < local.rows(); ++r) {
      send.insert(send.end(), local.values.begin() + r * D, local.values.begin() + (r + 1) * D);
      send.push_back(static_cast<double>(local.global_ids[r]));
      send.push_back(static_cast<double>(local.sample_index[r]));
      send.push_back(static_cast<double>(local.point_index[r]));
      send.push_back(local.label[r]);
      send.push_back(local.prediction[r]);
      send.push_back(local.error[r]);
    }
    const int ranks = controller->GetNumberOfProcesses();
    vtkIdType length = static_cast<vtkIdType>(send.size());
    std::vector<vtkIdType> lengths(ranks, 0), offsets(ranks, 0);
    controller->Gather(&length, lengths.data(), 1, 0);
    vtkIdType total = 0;
    for (int r = 0; r < ranks; ++r) offsets[r] = total, total += lengths[r];
    std::vector<double> received(std::max<vtkIdType>(total, 1));
    controller->GatherV(send.data(), received.data(), length, lengths.data(), offsets.data(), 0);
    all.dimension = D;
    all.has_label = reduced[2] > 0;
    all.has_prediction = reduced[3] > 0;
    all.has_error = reduced[4] > 0;
    if (controller->GetLocalProcessId() == 0) {
      const size_t count = width ? static_cast<size_t>(total) / width : 0;
      for (size_t r = 0; r < count; ++r) {
        const double* row = received.data() + r * width;
        all.values.insert(all.values.end(), row, row + D);
        all.global_ids.push_back(static_cast<int64_t>(row[D]));
        all.sample_index.push_back(static_cast<int64_t>(row[D + 1]));
        all.point_index.push_back(static_cast<int64_t>(row[D + 2]));
        all.label.push_back(row[D + 3]);
        all.prediction.push_back(row[D + 4]);
        all.error.push_back(row[D + 5]);
        all.owned.push_back(1);
      }
    }
  }
  // A fixed order (by global id, duplicates dropped) makes the result independent of the decomposition.
  std::vector<size_t> order(all.rows());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return all.global_ids[a] < all.global_ids[b]; });
  FeatureSet sorted;
  sorted.dimension = all.dimension;
  sorted.has_label = all.has_label;
  sorted.has_prediction = all.has_prediction;
  sorted.has_error = all.has_error;
  for (size_t k = 0; k < order.size(); ++k)
    if (k == 0 || all.global_ids[order[k]] != all.global_ids[order[k - 1]]) sorted.append_row(all, order[k]);
  return sorted;
}

FeatureSet gather_subsample_to_root(const FeatureSet& rows, size_t max_rows, uint64_t seed,
                                    vtkMultiProcessController* controller) {
  FeatureSet all = gather_rows_to_root(subsample_owned(rows, max_rows, seed), controller);
  // Gathered rows are all owned; the same keys pick the global subset (order by global id kept).
  return controller ? subsample_owned(all, max_rows, seed) : all;
}

void broadcast_from_root(std::vector<double>& values, vtkMultiProcessController* controller) {
  if (!controller) return;
  double size = static_cast<double>(values.size());
  controller->Broadcast(&size, 1, 0);
  values.resize(static_cast<size_t>(size));
  if (!values.empty()) controller->Broadcast(values.data(), static_cast<vtkIdType>(values.size()), 0);
}

}  // namespace nv
