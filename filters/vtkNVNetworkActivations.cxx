#include "vtkNVNetworkActivations.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "neuralview/network.h"
#include "neuralview/predictor.h"
#include "nvImageTensors.h"
#include "nvModelInput.h"
#include "nvPieceExtent.h"
#include "vtkDataObject.h"
#include "vtkDataSetAttributes.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkMultiBlockDataSet.h"
#include "vtkNew.h"
#include "vtkObjectFactory.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkStringArray.h"

vtkStandardNewMacro(vtkNVNetworkActivations);

struct vtkNVNetworkActivations::State {
  nv::ModelFileCache models;
  // The network compiled for the last field shape and model generation.
  std::unique_ptr<nv::Network> network;
  nv::Shape network_shape;
  int network_generation = -1;
  vtkSmartPointer<vtkStringArray> layer_names = vtkSmartPointer<vtkStringArray>::New();
  int last_association = vtkDataObject::FIELD_ASSOCIATION_POINTS;  // where the channels were found last
  // Under MPI: whether this run computes the rank's own piece (a layer with
  // local reach) or the first rank the whole field (see RequestUpdateExtent).
  bool per_piece = false;
  int requested_piece[6] = {0, -1, 0, -1, 0, -1};
  bool has_requested_piece = false;
  // The part of the network up to the layer, compiled per window shape (a
  // piece in tiles has up to three shapes per axis: first, inner, last tile).
  std::map<nv::Shape, std::unique_ptr<nv::Network>> piece_networks;
  std::string piece_layer;
  int piece_generation = -1;

  nv::Network& network_for(const nv::GraphSpec& model, const nv::Shape& spatial) {
    if (!network || network_shape != spatial || network_generation != models.generation()) {
      network.reset();
      network = std::make_unique<nv::Network>(nv::model_for_field(model, spatial), 1);
      network_shape = spatial;
      network_generation = models.generation();
    }
    return *network;
  }

  nv::Network& piece_network_for(const nv::GraphSpec& model, const std::string& layer, const nv::Shape& window) {
    if (piece_layer != layer || piece_generation != models.generation()) {
      piece_networks.clear();
      piece_layer = layer;
      piece_generation = models.generation();
    }
    std::unique_ptr<nv::Network>& network = piece_networks[window];
    if (!network)
      network = std::make_unique<nv::Network>(nv::model_up_to(nv::model_for_field(model, window), layer), 1);
    return *network;
  }
};

namespace {

vtkSmartPointer<vtkFloatArray> float_array(const std::string& name, const float* values, int64_t count,
                                           int components = 1) {
  auto array = vtkSmartPointer<vtkFloatArray>::New();
  array->SetName(name.c_str());
  array->SetNumberOfComponents(components);
  array->SetNumberOfTuples(count / components);
  std::copy(values, values + count, array->GetPointer(0));
  return array;
}

// One array per channel of a (C, spatial...) layer map, on the channels' association.
void add_layer_arrays(vtkImageData* output, int association, const std::string& layer, const nv::Tensor& values) {
  vtkDataSetAttributes* attributes = nv::attributes_of(output, association);
  const int64_t channels = values.dim(0), n = values.size() / channels;
  if (n != attributes->GetNumberOfTuples() && attributes->GetNumberOfArrays() > 0)
    throw std::logic_error("a layer map of " + std::to_string(n) + " values for an image of " +
                           std::to_string(attributes->GetNumberOfTuples()));
  for (int64_t c = 0; c < channels; ++c)
    attributes->AddArray(float_array(layer + "_" + std::to_string(c), values.data() + c * n, n));
  attributes->SetActiveScalars((layer + "_0").c_str());
  auto chosen = vtkSmartPointer<vtkStringArray>::New();
  chosen->SetName("NetworkLayer");
  chosen->InsertNextValue(layer);
  output->GetFieldData()->AddArray(chosen);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The convolution whose output `layer` is, looking through the operations
// that act per channel after it (normalisation, activation, dropout, pooling).
const nv::NodeSpec& producing_convolution(const nv::GraphSpec& model, const std::string& layer) {
  // Channel c of these ops' output is channel c of their input, so it shows the convolution's filter c.
  static const std::set<std::string> per_channel = {
      "Relu",    "LeakyRelu", "BatchNormalization", "Dropout",           "Tanh",
      "Sigmoid", "MaxPool",   "AveragePool",        "GlobalAveragePool", "Resize"};
  std::map<std::string, const nv::NodeSpec*> producer;
  for (const nv::NodeSpec& node : model.nodes) producer[node.outputs.at(0)] = &node;
  std::string tensor = layer;
  for (auto it = producer.find(tensor); it != producer.end(); it = producer.find(tensor)) {
    const nv::NodeSpec& node = *it->second;
    if (node.op == "Conv" || node.op == "ConvTranspose") return node;
    if (!per_channel.count(node.op))
      throw std::invalid_argument("layer '" + layer + "' comes from a " + node.op +
                                  " operation, not from a convolution: filter weights exist only for convolution "
                                  "layers (and the activations right after them)");
    tensor = node.inputs.at(0);
  }
  throw std::invalid_argument("layer '" + layer + "' is not produced by a convolution");
}

// One kernel-sized image per output channel of `conv`.
void add_filter_weights(const nv::GraphSpec& model, const nv::NodeSpec& conv, vtkMultiBlockDataSet* blocks) {
  const nv::Tensor& w = model.weights.at(conv.inputs.at(1));
  const bool transposed = conv.op == "ConvTranspose";
  // ONNX layouts: Conv (out, in/group, k...), ConvTranspose (in, out/group, k...).
  const int64_t outputs = transposed ? w.dim(1) : w.dim(0), inputs = transposed ? w.dim(0) : w.dim(1);
  nv::Shape kernel(w.shape().begin() + 2, w.shape().end());
  const int64_t taps = nv::element_count(kernel);
  const nv::Tensor* bias = conv.inputs.size() > 2 ? &model.weights.at(conv.inputs[2]) : nullptr;
  std::vector<std::string> input_names;
  if (conv.inputs[0] == model.input_name)
    input_names = nv::model_channel_names(model);
  else
    for (int64_t i = 0; i < inputs; ++i) input_names.push_back(conv.inputs[0] + "_" + std::to_string(i));
  int dims[3] = {1, 1, 1};
  for (size_t t = 0; t < kernel.size(); ++t) dims[kernel.size() - 1 - t] = static_cast<int>(kernel[t]);
  blocks->SetNumberOfBlocks(static_cast<unsigned int>(outputs));
  for (int64_t o = 0; o < outputs; ++o) {
    vtkNew<vtkImageData> image;
    image->SetDimensions(dims);
    auto weight = vtkSmartPointer<vtkFloatArray>::New();
    weight->SetName("Weight");
    weight->SetNumberOfComponents(static_cast<int>(inputs));
    weight->SetNumberOfTuples(taps);
    for (int64_t i = 0; i < inputs; ++i) {
      weight->SetComponentName(static_cast<vtkIdType>(i), input_names[static_cast<size_t>(i)].c_str());
      const float* kernel_values = w.data() + (transposed ? i * outputs + o : o * inputs + i) * taps;
      for (int64_t p = 0; p < taps; ++p) weight->SetComponent(p, static_cast<int>(i), kernel_values[p]);
    }
    image->GetPointData()->AddArray(weight);
    image->GetPointData()->SetActiveScalars("Weight");
    if (bias) {
      float b = (*bias)[o];
      image->GetFieldData()->AddArray(float_array("Bias", &b, 1));
    }
    blocks->SetBlock(static_cast<unsigned int>(o), image);
    blocks->GetMetaData(static_cast<unsigned int>(o))
        ->Set(vtkMultiBlockDataSet::NAME(), (conv.name + " filter " + std::to_string(o)).c_str());
  }
}

}  // namespace

vtkNVNetworkActivations::vtkNVNetworkActivations() : Internal(std::make_unique<State>()) {
  this->SetNumberOfOutputPorts(2);
}

vtkNVNetworkActivations::~vtkNVNetworkActivations() = default;

void vtkNVNetworkActivations::AddChannelMapping(const char* entry) {
  if (!entry || !*entry) return;
  this->ChannelMapping.emplace_back(entry);
  this->Modified();
}

void vtkNVNetworkActivations::ClearChannelMapping() {
  this->ChannelMapping.clear();
  this->Modified();
}

vtkStringArray* vtkNVNetworkActivations::GetLayerNames() {
  vtkStringArray* names = this->Internal->layer_names;
  names->Initialize();
  try {
    for (const std::string& n : nv::model_tensor_names(this->Internal->models.load(this->ModelFile)))
      names->InsertNextValue(n);
  } catch (const std::exception&) {
    // No readable model yet (the GUI asks before a file is chosen): no layers.
  }
  return names;
}

vtkMTimeType vtkNVNetworkActivations::GetMTime() {
  // A model file rewritten since it was read (a new training run) re-executes the filter.
  if (this->Internal->models.changed_on_disk(this->ModelFile)) this->Modified();
  return this->Superclass::GetMTime();
}

int vtkNVNetworkActivations::FillInputPortInformation(int, vtkInformation* info) {
  info->Set(vtkAlgorithm::INPUT_REQUIRED_DATA_TYPE(), "vtkImageData");
  return 1;
}

int vtkNVNetworkActivations::FillOutputPortInformation(int port, vtkInformation* info) {
  info->Set(vtkDataObject::DATA_TYPE_NAME(), port == 0 ? "vtkImageData" : "vtkMultiBlockDataSet");
  return 1;
}

int vtkNVNetworkActivations::RequestInformation(vtkInformation*, vtkInformationVector** inputVector,
                                                vtkInformationVector* outputVector) {
  // The filter weights are no image.
  outputVector->GetInformationObject(1)->Remove(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT());
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  if (this->Resolution != NATIVE_RESOLUTION || !inInfo->Has(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT())) return 1;
  // The native grid's extent, announced so that downstream filters (ParaView's
  // surface extraction among them) see the right whole extent. Its size
  // depends on whether the channels are point or cell arrays: taken from the
  // input data when it is there, else from the last run (points at first).
  // Problems are reported by RequestData; the input's extent stays meanwhile.
  try {
    const nv::GraphSpec& model = this->Internal->models.load(this->ModelFile);
    if (!this->Layer.empty()) nv::require_layer(model, this->Layer);
    int association = nv::find_association(model, vtkImageData::GetData(inInfo), this->ChannelMapping);
    if (association < 0) association = this->Internal->last_association;
    int whole[6];
    inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
    const nv::Shape spatial = nv::extent_spatial_shape(whole, association);
    if (static_cast<size_t>(nv::element_count(spatial)) == 0 || spatial.size() + 1 != model.input_shape.size())
      return 1;
    // Shape inference only: nothing of the size of the field is allocated here.
    const std::string layer = this->Layer.empty() ? nv::last_spatial_layer(model, spatial) : this->Layer;
    const nv::Shape shape = nv::layer_spatial_shape(model, layer, spatial);
    if (shape.empty()) return 1;  // no spatial axes: the output is the input with field data
    int native[6] = {0, 0, 0, 0, 0, 0};
    const bool cells = association == vtkDataObject::FIELD_ASSOCIATION_CELLS;
    for (size_t t = 0; t < shape.size(); ++t)
      native[2 * (shape.size() - 1 - t) + 1] = static_cast<int>(shape[t]) - !cells;
    outInfo->Set(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), native, 6);
  } catch (const std::exception&) {
    // RequestData reports the problem.
  }
  return 1;
}

int vtkNVNetworkActivations::RequestUpdateExtent(vtkInformation* request, vtkInformationVector** inputVector,
                                                 vtkInformationVector* outputVector) {
  this->Superclass::RequestUpdateExtent(request, inputVector, outputVector);
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  vtkInformation* inInfo = inputVector[0]->GetInformationObject(0);
  // Split over ranks, a layer whose values depend only on nearby input
  // values is computed by every rank on its own piece plus a halo of ghost
  // layers as wide as the layer's reach; a layer after global pooling or a
  // dense layer needs the whole sample (the first rank computes it).
  State& state = *this->Internal;
  state.per_piece = false;
  state.has_requested_piece = false;
  int ghosts = 0;
  if (nv::number_of_pieces(outInfo) > 1 && inInfo->Has(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT())) {
    try {
      const nv::GraphSpec& model = state.models.load(this->ModelFile);
      int association = nv::find_association(model, vtkImageData::GetData(inInfo), this->ChannelMapping);
      if (association < 0) association = state.last_association;
      int whole[6];
      inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
      const nv::Shape spatial = nv::extent_spatial_shape(whole, association);
      const std::string layer = this->Layer.empty() ? nv::last_spatial_layer(model, spatial) : this->Layer;
      const nv::LayerReach reach = nv::layer_reach(model, layer);
      state.per_piece = reach.local && !nv::layer_spatial_shape(model, layer, spatial).empty();
      ghosts = nv::halo_ghost_levels(reach);
    } catch (const std::exception&) {
      // RequestData reports the problem (on the first rank, which then holds the whole field).
    }
  }
  if (!state.per_piece) {
    nv::request_whole_field_on_first_piece(outInfo, inInfo);
    return 1;
  }
  if (this->Resolution == NATIVE_RESOLUTION) {
    // Downstream's update extent lies on the layer's grid: the input's piece
    // follows from the piece number (the source splits the whole extent).
    int whole[6];
    inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_EXTENT(), whole, 6);
    inInfo->Set(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_GHOST_LEVELS(), ghosts);
  } else {
    state.has_requested_piece = nv::request_halo(outInfo, inInfo, ghosts, state.requested_piece);
  }
  return 1;
}

std::string vtkNVNetworkActivations::ComputePiece(vtkImageData* input, vtkInformation* inInfo, vtkInformation* outInfo,
                                                  vtkImageData* output) {
  State& state = *this->Internal;
  const nv::GraphSpec& model = state.models.load(this->ModelFile);
  if (!this->Layer.empty()) nv::require_layer(model, this->Layer);
  output->Initialize();
  nv::ModelInput in;
  in.association = state.last_association;
  const bool empty = input->GetNumberOfPoints() == 0;  // more ranks than the field has rows
  if (!empty) {
    in = nv::model_input_from_image(model, input, this->ChannelMapping);
    state.last_association = in.association;
  }
  int whole[6], piece[6], extent[6];
  inInfo->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), whole);
  const nv::Shape whole_spatial = nv::extent_spatial_shape(whole, in.association);
  const std::string layer = this->Layer.empty() ? nv::last_spatial_layer(model, whole_spatial) : this->Layer;
  if (empty) return layer;
  const bool cells = in.association == vtkDataObject::FIELD_ASSOCIATION_CELLS;
  const bool native = this->Resolution == NATIVE_RESOLUTION, linear = this->Interpolation == LINEAR;
  input->GetExtent(extent);
  if (!nv::piece_extent_without_ghosts(outInfo, inInfo, state.has_requested_piece ? state.requested_piece : nullptr,
                                       piece))
    std::copy(extent, extent + 6, piece);  // one process: the whole field, in tiles
  for (int a = 0; a < 3; ++a) {
    piece[2 * a] = std::max(piece[2 * a], extent[2 * a]);
    piece[2 * a + 1] = std::min(piece[2 * a + 1], extent[2 * a + 1]);
  }
  const nv::LayerReach reach = nv::layer_reach(model, layer);
  const nv::Shape layer_whole = nv::layer_spatial_shape(model, layer, whole_spatial);
  if (!reach.local || layer_whole.empty())
    throw std::logic_error("layer '" + layer + "' needs the whole sample, not one piece");

  // Per tensor axis (z, y, x; indices from the whole field's first value):
  // the values this piece outputs (input resolution: input values; native:
  // layer values), cut into tiles of at most TileSize input values.
  const size_t axes = whole_spatial.size();
  const int64_t s = reach.stride, end_offset = cells ? 0 : 1;
  nv::Shape result_begin(axes), result_size(axes), tile(axes), in_begin(axes), in_end(axes);
  int native_extent[6] = {0, 0, 0, 0, 0, 0};
  for (size_t t = 0; t < axes; ++t) {
    const int a = static_cast<int>(axes - 1 - t);  // tensor axis t is VTK axis a
    const int64_t n = layer_whole[t];
    in_begin[t] = extent[2 * a] - whole[2 * a];
    in_end[t] = extent[2 * a + 1] - whole[2 * a] + end_offset;
    const int64_t p_begin = piece[2 * a] - whole[2 * a], p_end = piece[2 * a + 1] - whole[2 * a] + end_offset;
    if (p_end <= p_begin) return layer;  // nothing of this association on the piece
    if (native) {
      // The layer values whose blocks start on the piece; point pieces share
      // their boundary value with the next piece, as the input's pieces do.
      const int64_t first = ceil_div(p_begin, s);
      const int64_t last = std::min(n, cells ? ceil_div(p_end, s) : ceil_div(p_end - 1, s) + 1) - 1;
      if (last < first) return layer;
      native_extent[2 * a] = static_cast<int>(first);
      native_extent[2 * a + 1] = static_cast<int>(cells ? last + 1 : last);
      result_begin[t] = first;
      result_size[t] = last - first + 1;
      tile[t] = this->TileSize > 0 ? std::max<int64_t>(1, this->TileSize / s) : result_size[t];
    } else {
      result_begin[t] = p_begin;
      result_size[t] = p_end - p_begin;
      tile[t] = this->TileSize > 0 ? this->TileSize : result_size[t];
    }
  }

  nv::Tensor result;
  int64_t tiles = 1, done = 0;
  for (size_t t = 0; t < axes; ++t) tiles *= ceil_div(result_size[t], tile[t]);
  for (int64_t index = 0; index < tiles; ++index) {
    // This tile's values, and the input window that computes them as the whole-field pass does.
    nv::Shape tile_begin(axes), tile_size(axes), window_begin(axes), window_size(axes), layer_begin(axes);
    nv::Shape keep_begin(axes), keep_size(axes);
    int64_t rest = index;
    for (size_t t = axes; t-- > 0;) {
      const int64_t count = ceil_div(result_size[t], tile[t]), k = rest % count;
      rest /= count;
      tile_begin[t] = result_begin[t] + k * tile[t];
      tile_size[t] = std::min(tile[t], result_begin[t] + result_size[t] - tile_begin[t]);
      int64_t first = tile_begin[t], last = tile_begin[t] + tile_size[t] - 1;
      if (!native)
        nv::resample_sources(layer_whole[t], whole_spatial[t], tile_begin[t], tile_begin[t] + tile_size[t], linear,
                             first, last);
      const nv::AxisWindow w =
          nv::aligned_window(whole_spatial[t], first * s, (last + 1) * s, reach.alignment, reach.radius);
      if (w.begin < in_begin[t] || w.end > in_end[t])
        throw std::invalid_argument("the input piece holds too few ghost layers for layer '" + layer + "' (values " +
                                    std::to_string(w.begin) + " to " + std::to_string(w.end - 1) + " along axis " +
                                    std::to_string(axes - 1 - t) + " are needed, it holds " +
                                    std::to_string(in_begin[t]) + " to " + std::to_string(in_end[t] - 1) +
                                    "): its source does not deliver ghost levels");
      window_begin[t] = w.begin - in_begin[t];
      window_size[t] = w.end - w.begin;
      layer_begin[t] = w.begin / s;
      keep_begin[t] = first - layer_begin[t];
      keep_size[t] = last - first + 1;
    }
    const nv::Tensor field = nv::crop_field(in.values, window_begin, window_size);
    nv::Network& network = state.piece_network_for(model, layer, window_size);
    nv::Shape batched{1};
    batched.insert(batched.end(), field.shape().begin(), field.shape().end());
    network.forward(field.reshaped(batched));
    const nv::Tensor activation = network.activation(layer);
    const nv::Tensor values = activation.reshaped(nv::Shape(activation.shape().begin() + 1, activation.shape().end()));
    const nv::Tensor part = native ? nv::crop_field(values, keep_begin, keep_size)
                                   : nv::resample_window_to_grid(values, layer_begin, layer_whole, tile_begin,
                                                                 tile_size, whole_spatial, linear);
    if (result.size() == 0) {
      nv::Shape shape{values.dim(0)};
      shape.insert(shape.end(), result_size.begin(), result_size.end());
      result = nv::Tensor(shape);
    }
    nv::Shape offset(axes);
    for (size_t t = 0; t < axes; ++t) offset[t] = tile_begin[t] - result_begin[t];
    nv::paste_field(part, result, offset);
    this->UpdateProgress(0.05 + 0.85 * static_cast<double>(++done) / static_cast<double>(tiles));
  }
  if (native) {
    // The whole field's coarse grid, limited to this piece's layer values.
    vtkNew<vtkImageData> whole_image;  // geometry only
    whole_image->SetExtent(whole);
    whole_image->SetOrigin(input->GetOrigin());
    whole_image->SetSpacing(input->GetSpacing());
    whole_image->SetDirectionMatrix(input->GetDirectionMatrix());
    nv::coarse_grid(whole_image, in.association, whole_spatial, layer_whole, output);
    output->SetExtent(native_extent);
  } else {
    nv::crop_image(input, piece, output);
  }
  add_layer_arrays(output, in.association, layer, result);
  return layer;
}

int vtkNVNetworkActivations::RequestData(vtkInformation*, vtkInformationVector** inputVector,
                                         vtkInformationVector* outputVector) {
  vtkImageData* input = vtkImageData::GetData(inputVector[0], 0);
  vtkImageData* output = vtkImageData::GetData(outputVector, 0);
  vtkMultiBlockDataSet* weights = vtkMultiBlockDataSet::GetData(outputVector, 1);
  weights->Initialize();
  const bool split = nv::number_of_pieces(outputVector->GetInformationObject(0)) > 1;
  // On one process, TileSize cuts a layer with local reach into tiles (as a piece under MPI).
  bool tiled = false;
  if (!split && this->TileSize > 0 && input && input->GetNumberOfPoints() > 0) {
    try {
      const nv::GraphSpec& model = this->Internal->models.load(this->ModelFile);
      const int association = nv::find_association(model, input, this->ChannelMapping);
      if (association >= 0) {
        const nv::Shape spatial = nv::image_spatial_shape(input, association);
        const std::string layer = this->Layer.empty() ? nv::last_spatial_layer(model, spatial) : this->Layer;
        tiled = nv::layer_reach(model, layer).local && !nv::layer_spatial_shape(model, layer, spatial).empty();
      }
    } catch (const std::exception&) {
      // The whole-field pass below reports the problem.
    }
  }
  if ((this->Internal->per_piece && split) || tiled) {
    try {
      const nv::GraphSpec& model = this->Internal->models.load(this->ModelFile);
      if (this->OutputFilterWeights && !this->Layer.empty())
        add_filter_weights(model, producing_convolution(model, this->Layer), weights);
      const std::string layer = this->ComputePiece(input, inputVector[0]->GetInformationObject(0),
                                                   outputVector->GetInformationObject(0), output);
      if (this->OutputFilterWeights && this->Layer.empty())
        add_filter_weights(model, producing_convolution(model, layer), weights);
    } catch (const std::exception& e) {
      vtkErrorMacro(<< "cannot compute the activations" << (split ? " on this piece: " : ": ") << e.what());
      return 0;
    }
    this->UpdateProgress(1.0);
    return 1;
  }
  if (nv::idle_piece(outputVector->GetInformationObject(0))) {
    output->Initialize();  // the first rank computes the whole field
    return 1;
  }
  try {
    const nv::GraphSpec& model = this->Internal->models.load(this->ModelFile);
    if (!this->Layer.empty()) nv::require_layer(model, this->Layer);
    if (this->OutputFilterWeights && !this->Layer.empty())
      add_filter_weights(model, producing_convolution(model, this->Layer), weights);
    output->ShallowCopy(input);
    if (input->GetNumberOfPoints() == 0) return 1;
    const nv::ModelInput in = nv::model_input_from_image(model, input, this->ChannelMapping);
    this->Internal->last_association = in.association;
    nv::Network& network = this->Internal->network_for(model, in.spatial);
    const std::string layer = this->Layer.empty() ? nv::last_spatial_layer(network) : this->Layer;
    if (this->OutputFilterWeights && this->Layer.empty())
      add_filter_weights(model, producing_convolution(model, layer), weights);
    nv::Shape batched{1};
    batched.insert(batched.end(), in.values.shape().begin(), in.values.shape().end());
    this->UpdateProgress(0.1);
    network.forward(in.values.reshaped(batched));
    const nv::Tensor activation = network.activation(layer);
    this->UpdateProgress(0.8);
    const nv::Shape shape(activation.shape().begin() + 1, activation.shape().end());
    const int64_t channels = shape.at(0);

    auto chosen = vtkSmartPointer<vtkStringArray>::New();
    chosen->SetName("NetworkLayer");
    chosen->InsertNextValue(layer);
    if (shape.size() == 1) {  // no spatial axes: one value per channel for the whole sample
      output->GetFieldData()->AddArray(float_array(layer, activation.data(), channels, static_cast<int>(channels)));
      output->GetFieldData()->AddArray(chosen);
      return 1;
    }
    const nv::Shape layer_spatial(shape.begin() + 1, shape.end());
    nv::Tensor values = activation.reshaped(shape);
    if (this->Resolution == NATIVE_RESOLUTION) {
      nv::coarse_grid(input, in.association, in.spatial, layer_spatial, output);
    } else {
      values = nv::resample_to_grid(values, in.spatial, this->Interpolation == LINEAR);
    }
    vtkDataSetAttributes* attributes = nv::attributes_of(output, in.association);
    const int64_t n = values.size() / channels;
    for (int64_t c = 0; c < channels; ++c)
      attributes->AddArray(float_array(layer + "_" + std::to_string(c), values.data() + c * n, n));
    attributes->SetActiveScalars((layer + "_0").c_str());
    output->GetFieldData()->AddArray(chosen);
  } catch (const std::exception& e) {
    vtkErrorMacro(<< "cannot compute the activations: " << e.what());
    return 0;
  }
  this->UpdateProgress(1.0);
  return 1;
}

void vtkNVNetworkActivations::PrintSelf(ostream& os, vtkIndent indent) {
  this->Superclass::PrintSelf(os, indent);
  os << indent << "ModelFile: " << this->ModelFile << "\n"
     << indent << "Layer: " << this->Layer << "\n"
     << indent << "Resolution: " << this->Resolution << "\n"
     << indent << "Interpolation: " << this->Interpolation << "\n"
     << indent << "OutputFilterWeights: " << this->OutputFilterWeights << "\n"
     << indent << "TileSize: " << this->TileSize << "\n";
}
