/**
 * @class vtkNVApplyNetwork
 * @brief Runs a trained network (an ONNX file from TrainNetwork or exported
 * from PyTorch) on image data and adds its predictions as arrays.
 *
 * Channels are matched to arrays by the names stored in the model, with
 * known synonyms (IWV or PREH2O for TMQ) and the user's ChannelMapping
 * ("TMQ=IWV"). The model's normalisation is applied. Large fields run in
 * overlapping tiles whose stitched result equals one pass over the field.
 *
 * Added arrays, on the points or cells the channels came from:
 * - Segmentation: `Prediction` (class id) and `Probability_<ClassName>`;
 * - Autoencoder: `Reconstruction` (in the input's units) and
 *   `ReconstructionError` (mean squared error over the normalised channels);
 * - Classification and regression: field data `Prediction` (and class
 *   probabilities), also as a one-row table on output port 1.
 * The model is re-read when its file changes.
 *
 * With UncertaintyPasses N > 0 (segmentation models with Dropout),
 * Monte-Carlo dropout runs N whole-field passes with dropout active:
 * `Probability_<ClassName>` are the mean probabilities, `Prediction` their
 * arg max, and `Uncertainty` the predictive entropy (0 = certain, log K =
 * uniform). UncertaintySeed fixes the dropout masks.
 *
 * In parallel runs each rank asks its upstream for ghost layers as wide as
 * the network's receptive field (plus one downsampling step for alignment),
 * runs the network on its piece with that halo, and keeps the piece: the
 * result equals one pass over the whole field.
 */
#ifndef vtkNVApplyNetwork_h
#define vtkNVApplyNetwork_h

#include <memory>
#include <string>
#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVApplyNetwork : public vtkDataObjectAlgorithm {
 public:
  static vtkNVApplyNetwork* New();
  vtkTypeMacro(vtkNVApplyNetwork, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(ModelFile);
  vtkGetCharFromStdStringMacro(ModelFile);
  /// "ModelChannel=Array" entries for arrays named differently from the model's channels.
  void AddChannelMapping(const char* entry);
  void ClearChannelMapping();
  /// Side of the core of a tile in pixels; 0 runs the whole field at once.
  vtkSetClampMacro(TileSize, int, 0, 1000000);
  vtkGetMacro(TileSize, int);

  // Monte-Carlo dropout passes; 0 (the default) runs the network once, deterministically.
  vtkSetClampMacro(UncertaintyPasses, int, 0, 10000);
  vtkGetMacro(UncertaintyPasses, int);
  vtkSetMacro(UncertaintySeed, int);
  vtkGetMacro(UncertaintySeed, int);

  /// The model's modification time is part of the filter's: a rewritten
  /// model file re-executes the filter.
  vtkMTimeType GetMTime() override;

 protected:
  vtkNVApplyNetwork();
  ~vtkNVApplyNetwork() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVApplyNetwork(const vtkNVApplyNetwork&) = delete;
  void operator=(const vtkNVApplyNetwork&) = delete;

  struct LoadedModel;
  LoadedModel& Model();  // throws when the file cannot be read

  std::string ModelFile;
  std::vector<std::string> ChannelMapping;
  int TileSize = 512;
  int UncertaintyPasses = 0;
  int UncertaintySeed = 0;
  std::unique_ptr<LoadedModel> Loaded;
  int RequestedPiece[6] = {0, -1, 0, -1, 0, -1};  // the piece asked for, before the halo was added
  bool HasRequestedPiece = false;
};

#endif
