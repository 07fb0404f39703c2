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

// Inspection needs whole samples (a classifier pools over all of a field):
// the input's whole extent is requested; under MPI only by the first piece,
// the others ask for none. Call from RequestUpdateExtent.
void request_whole_field_on_first_piece(vtkInformation* outInfo, vtkInformation* inInfo);
// True on the pieces that then compute nothing (all but the first of several).
bool idle_piece(vtkInformation* outInfo);

}  // namespace nv

#endif
