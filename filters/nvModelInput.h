// What the inspection filters (NetworkActivations, NetworkAttribution) share:
// a model file read once and re-read when it changes, an image's arrays as
// the model's normalised input, and layer maps put back on the image's grid.
//
// Channel matching is ApplyNetwork's: the model's channel names (or
// input_0, input_1, ... for a model without names), known synonyms and
// "ModelChannel=Array" mapping entries; point arrays when they all exist,
// else cell arrays.
#ifndef nvModelInput_h
#define nvModelInput_h

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "neuralview/graph_spec.h"
#include "neuralview/network.h"
#include "neuralview/tensor.h"

class vtkImageData;
class vtkInformation;

namespace nv {

class ModelFileCache {
 public:
  // Throws std::invalid_argument when the path is empty, the file cannot be
  // read, or it is not a valid model.
  const GraphSpec& load(const std::string& path);
  // True (and forgets the model) when the loaded file was rewritten since.
  bool changed_on_disk(const std::string& path);
  // Counts the loads, so that networks compiled from an older model are rebuilt.
  int generation() const { return generation_; }

 private:
  int generation_ = 0;
  std::string path_;
  std::filesystem::file_time_type written_{};
  std::unique_ptr<GraphSpec> spec_;
};

struct ModelInput {
  Tensor values;  // (C, H, W) or (C, D, H, W), normalised as in training
  int association = -1;
  Shape spatial;  // the image's spatial shape (tensor axis order z, y, x)
};

// The model's channel names: stored ones, or input_<k> by position.
std::vector<std::string> model_channel_names(const GraphSpec& model);

// Throws std::invalid_argument naming missing channels and the available arrays.
ModelInput model_input_from_image(const GraphSpec& model, vtkImageData* image,
                                  const std::vector<std::string>& channel_mapping);

// The model with its input resized to a field's spatial shape (fully
// convolutional and globally pooled networks accept any size).
GraphSpec model_for_field(const GraphSpec& model, const Shape& spatial);

// Names of the model's intermediate tensors in execution order, and the
// same list as "a, b, c" for error messages.
std::vector<std::string> model_tensor_names(const GraphSpec& model);
std::string joined(const std::vector<std::string>& names);

// A (C, spatial...) map on a coarser grid resampled to `target` (same rank):
// nearest (source index floor(i * n / N)) or linear with half-pixel centres,
// clamped at the borders (PyTorch's interpolate with align_corners=False).
Tensor resample_to_grid(const Tensor& native, const Shape& target, bool linear);

// An empty image covering the same region as `image` on the grid of a
// layer of spatial shape `layer` (tensor axis order): each layer value
// stands for the block of input values it summarises. Point data: centres
// of blocks; cell data: the blocks themselves as cells.
void coarse_grid(vtkImageData* image, int association, const Shape& input_spatial, const Shape& layer,
                 vtkImageData* coarse);

// The last tensor with spatial axes before the output (the usual choice for
// activations and Grad-CAM); throws when there is none.
std::string last_spatial_layer(const Network& network);
// Throws std::invalid_argument naming the available tensors when `layer` is not one.
void require_layer(const GraphSpec& model, const std::string& layer);

// Whether the model's channels are the image's point arrays
// (vtkDataObject::FIELD_ASSOCIATION_POINTS), cell arrays (_CELLS), or
// neither (-1); nothing is thrown.
int find_association(const GraphSpec& model, vtkImageData* image, const std::vector<std::string>& channel_mapping);
// image_spatial_shape() of an image with this extent.
Shape extent_spatial_shape(const int extent[6], int association);

// Evaluating one layer on a piece of a split field (plus a halo) instead of
// on the whole field: what the piece's window must look like.
struct LayerReach {
  // No global pooling, flattening or dense layer on the way to the layer:
  // each of its values depends only on input values near it.
  bool local = false;
  // Windows start on multiples of this from the field's first value (the
  // deepest downsampling on the way), so pooling grids stay the whole field's.
  int64_t alignment = 1;
  // Input values per layer value along each axis (1 back at input resolution).
  int64_t stride = 1;
  // A conservative bound, in input values, on how far a layer value reaches
  // past its own block into the input.
  int64_t radius = 0;
};

// The part of `model` that computes `layer` (its ancestors), with `layer` as
// the output: it runs on windows of any size also when the rest of the model
// (a dense head) would not. Throws std::invalid_argument for an unknown layer.
GraphSpec model_up_to(const GraphSpec& model, const std::string& layer);
// Throws std::invalid_argument for an unknown layer or a model whose strides
// differ between axes.
LayerReach layer_reach(const GraphSpec& model, const std::string& layer);
// Ghost levels to ask for around a piece so that layer values at input
// resolution (also linearly resampled) or on the layer's grid can be computed exactly.
int halo_ghost_levels(const LayerReach& reach);
// The spatial shape (tensor axis order) of `layer` for a field of `spatial`
// values, from shape inference (nothing is allocated). Empty when the layer
// has no spatial axes.
Shape layer_spatial_shape(const GraphSpec& model, const std::string& layer, const Shape& spatial);
// last_spatial_layer() from shape inference for a field of `spatial` values.
std::string last_spatial_layer(const GraphSpec& model, const Shape& spatial);

// Source indices [first, last] of a layer axis of n values that
// resample_to_grid reads for the target indices [begin, end) of an axis of N values.
void resample_sources(int64_t n, int64_t N, int64_t begin, int64_t end, bool linear, int64_t& first, int64_t& last);
// resample_to_grid on a part of both grids: `native` (C, spatial...) holds
// the layer values from `source_begin` on of a layer grid `source_whole`;
// returns the values [target_begin, target_begin + target_size) of the
// target grid `target_whole`, equal to those of resample_to_grid on the whole
// grids. Throws std::logic_error when `native` lacks a value they need.
Tensor resample_window_to_grid(const Tensor& native, const Shape& source_begin, const Shape& source_whole,
                               const Shape& target_begin, const Shape& target_size, const Shape& target_whole,
                               bool linear);

// Writes `part` (C, size...) into `field` (C, spatial...) from `begin` on
// (per spatial axis): the inverse of crop_field.
void paste_field(const Tensor& part, Tensor& field, const Shape& begin);

// Inspection needs whole samples (a classifier pools over all of a field):
// the input's whole extent is requested; under MPI only by the first piece,
// the others ask for none. Call from RequestUpdateExtent.
void request_whole_field_on_first_piece(vtkInformation* outInfo, vtkInformation* inInfo);
// True on the pieces that then compute nothing (all but the first of several).
bool idle_piece(vtkInformation* outInfo);

}  // namespace nv

#endif
