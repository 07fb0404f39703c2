/**
 * @class vtkNVFeatureAlgorithm
 * @brief Base of EmbedFeatures and ClusterFeatures: gathers feature vectors
 * of samples, pixels or patches from the input.
 *
 * Features are a layer's activations of an ONNX model (ModelFile, Layer;
 * the default layer is the bottleneck: the tensor of lowest resolution, the
 * last such before the head), or without a model the values of
 * FeatureArrays. Granularity: PerSample (a model layer averaged over space,
 * or the whole sample's values without a model), PerPixel (the layer's
 * value at the pixel's position, nearest-neighbour upsampled), PerPatch
 * (PatchSize-sided patches tiling the field; 0 uses the layer's
 * downsampling factor). Input channels are matched and normalised as in
 * ApplyNetwork.
 *
 * Samples are the time steps of a temporal input (several steps; each rank
 * reads a contiguous block of whole steps, as TrainNetwork does), else the
 * blocks of a collection, else the image (its pieces under MPI). Point sets
 * (e.g. an EmbedFeatures output) give one row per point: their coordinates,
 * or FeatureArrays.
 */
#ifndef vtkNVFeatureAlgorithm_h
#define vtkNVFeatureAlgorithm_h

#include <memory>
#include <string>
#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

namespace nv {
struct FeatureSet;
struct SampleRows;
class FeatureExtractor;
}  // namespace nv

class NEURALVIEWFILTERS_EXPORT vtkNVFeatureAlgorithm : public vtkDataObjectAlgorithm {
 public:
  vtkTypeMacro(vtkNVFeatureAlgorithm, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  enum GranularityType { PER_SAMPLE = 0, PER_PIXEL = 1, PER_PATCH = 2 };

  vtkSetStdStringFromCharMacro(ModelFile);
  vtkGetCharFromStdStringMacro(ModelFile);
  /// Tensor name of the layer; empty: the bottleneck.
  vtkSetStdStringFromCharMacro(Layer);
  vtkGetCharFromStdStringMacro(Layer);
  void AddChannelMapping(const char* entry);
  void ClearChannelMapping();
  /// Arrays whose values are the features when no ModelFile is given.
  void AddFeatureArray(const char* name);
  void ClearFeatureArrays();
  vtkSetClampMacro(Granularity, int, PER_SAMPLE, PER_PATCH);
  vtkGetMacro(Granularity, int);
  vtkSetClampMacro(PatchSize, int, 0, 4096);
  vtkGetMacro(PatchSize, int);
  vtkSetStdStringFromCharMacro(LabelArray);
  vtkGetCharFromStdStringMacro(LabelArray);
  vtkSetStdStringFromCharMacro(PredictionArray);
  vtkGetCharFromStdStringMacro(PredictionArray);
  vtkSetStdStringFromCharMacro(ErrorArray);
  vtkGetCharFromStdStringMacro(ErrorArray);
  /// Rows used for fitting (a seeded random subset, the same for any number of ranks); 0: all.
  vtkSetClampMacro(MaxPoints, int, 0, 100000000);
  vtkGetMacro(MaxPoints, int);
  vtkSetMacro(Seed, int);
  vtkGetMacro(Seed, int);
  /// Time steps are the samples (when the input has more than one).
  vtkSetMacro(UseTimeSteps, int);
  vtkGetMacro(UseTimeSteps, int);

 protected:
  vtkNVFeatureAlgorithm();
  ~vtkNVFeatureAlgorithm() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

  /// Called once all samples are gathered (on every rank, also without rows).
  virtual int ProcessFeatures(nv::FeatureSet& rows, vtkInformationVector** inputVector,
                              vtkInformationVector* outputVector) = 0;
  /// Called after the rows of one pass' input were added: one SampleRows per
  /// image of the input (in traversal order); time_index is -1 without time.
  virtual void SampleGathered(vtkDataObject* input, int time_index, const std::vector<nv::SampleRows>& placed);
  /// Whether the first output keeps the input's time steps.
  virtual bool OutputHasTime() const { return false; }

  std::string LayerUsed() const;
  // The global time index the first output shows, or -1.
  int OutputTimeIndex = -1;

  std::string ModelFile;
  std::string Layer;
  std::vector<std::string> ChannelMapping;
  std::vector<std::string> FeatureArrays;
  int Granularity = PER_SAMPLE;
  int PatchSize = 0;
  std::string LabelArray;
  std::string PredictionArray = "Prediction";
  std::string ErrorArray;
  int MaxPoints = 10000;
  int Seed = 0;
  int UseTimeSteps = 1;

 private:
  vtkNVFeatureAlgorithm(const vtkNVFeatureAlgorithm&) = delete;
  void operator=(const vtkNVFeatureAlgorithm&) = delete;

  void Gather(vtkDataObject* input, vtkInformation* inInfo);

  std::unique_ptr<nv::FeatureExtractor> Extractor;
  std::unique_ptr<nv::FeatureSet> Rows;
  std::string Problem;
  std::vector<double> AllTimeSteps;
  std::vector<double> TimeSteps;  // this rank's
  int FirstTimeIndex = 0;
  size_t CurrentTimeIndex = 0;
  bool OverTime = false;
};

#endif
