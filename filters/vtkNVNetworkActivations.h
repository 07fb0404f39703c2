/**
 * @class vtkNVNetworkActivations
 * @brief What one layer of a trained network computes on image data: one
 * array per channel of the layer, and optionally the layer's filter weights.
 *
 * The model's channels are matched to arrays and normalised as in
 * vtkNVApplyNetwork. `Layer` names an intermediate tensor of the model
 * (GetLayerNames lists them; an empty name picks the last tensor with
 * spatial axes before the output). Output port 0:
 * - Resolution Input: the input with one point (or cell) array
 *   `<Layer>_<c>` per channel, resampled from the layer's grid to the
 *   input's (nearest or linear, half-pixel centres as PyTorch's
 *   interpolate with align_corners=False);
 * - Resolution Native: an image on the layer's coarser grid (spacing times
 *   the downsampling factor, origin at the centres of the blocks each value
 *   summarises) that overlays the input, with the same arrays. Its whole
 *   extent is announced before execution, from the input's whole extent and
 *   the association of the channels (from the input data when present, else
 *   that of the last run; points at first).
 * A layer without spatial axes (after flattening) adds its values as field
 * data instead. Output port 1: with OutputFilterWeights, the weights of the
 * convolution that produced the layer (also through the BatchNorm/activation
 * after it), one image per output channel (kernel-sized, a `Weight` array
 * with one component per input channel, field data `Bias`).
 *
 * Without MPI each time step runs the whole field in one pass (the engine
 * refuses fields that would exhaust memory with a clear error), or, with
 * TileSize for a layer with local reach, in tiles of the field each with its
 * own halo (as pieces under MPI are). Under MPI a layer with local reach (no
 * global pooling, flattening or dense layer before it: nv::layer_reach) is
 * computed by every rank on its own piece: RequestUpdateExtent asks for
 * ghost layers as wide as the layer's reach (nv::halo_ghost_levels), the
 * part of the network up to the layer runs on a window around the values
 * the piece needs, aligned to the whole field's pooling grid
 * (nv::aligned_window), and the result is cropped (input resolution:
 * resampled with the whole grids' coordinates) to the piece, so pieces equal
 * the whole-field pass. Other layers depend on the whole sample: the first
 * rank computes the whole field and the other ranks output empty images.
 */
#ifndef vtkNVNetworkActivations_h
#define vtkNVNetworkActivations_h

#include <memory>
#include <string>
#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

class vtkImageData;
class vtkStringArray;

class NEURALVIEWFILTERS_EXPORT vtkNVNetworkActivations : public vtkDataObjectAlgorithm {
 public:
  static vtkNVNetworkActivations* New();
  vtkTypeMacro(vtkNVNetworkActivations, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  enum ResolutionMode { INPUT_RESOLUTION = 0, NATIVE_RESOLUTION = 1 };
  enum InterpolationMode { NEAREST = 0, LINEAR = 1 };

  vtkSetStdStringFromCharMacro(ModelFile);
  vtkGetCharFromStdStringMacro(ModelFile);
  /// "ModelChannel=Array" entries for arrays named differently from the model's channels.
  void AddChannelMapping(const char* entry);
  void ClearChannelMapping();
  vtkSetStdStringFromCharMacro(Layer);
  vtkGetCharFromStdStringMacro(Layer);
  vtkSetClampMacro(Resolution, int, INPUT_RESOLUTION, NATIVE_RESOLUTION);
  vtkGetMacro(Resolution, int);
  vtkSetClampMacro(Interpolation, int, NEAREST, LINEAR);
  vtkGetMacro(Interpolation, int);
  /// Side of the tiles (in input values) a layer with local reach is computed
  /// in, each with its own halo, so that the network's memory follows the
  /// tile, not the field; 0 (default): the whole piece in one pass.
  vtkSetClampMacro(TileSize, int, 0, VTK_INT_MAX);
  vtkGetMacro(TileSize, int);
  vtkSetMacro(OutputFilterWeights, bool);
  vtkGetMacro(OutputFilterWeights, bool);
  vtkBooleanMacro(OutputFilterWeights, bool);

  /// The model's tensor names in execution order (empty when the model cannot be read).
  vtkStringArray* GetLayerNames();

  vtkMTimeType GetMTime() override;

 protected:
  vtkNVNetworkActivations();
  ~vtkNVNetworkActivations() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVNetworkActivations(const vtkNVNetworkActivations&) = delete;
  void operator=(const vtkNVNetworkActivations&) = delete;

  // Under MPI, the layer on this rank's piece (plus a halo) of the input;
  // returns the layer's name.
  std::string ComputePiece(vtkImageData* input, vtkInformation* inInfo, vtkInformation* outInfo, vtkImageData* output);

  struct State;
  std::unique_ptr<State> Internal;
  std::string ModelFile;
  std::vector<std::string> ChannelMapping;
  std::string Layer;
  int Resolution = INPUT_RESOLUTION;
  int Interpolation = LINEAR;
  bool OutputFilterWeights = false;
  int TileSize = 0;
};

#endif
