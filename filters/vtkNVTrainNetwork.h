/**
 * @class vtkNVTrainNetwork
 * @brief Trains a convolutional network on image data and writes it as an
 * ONNX model; the output is the training history, one row per epoch.
 *
 * Samples are, depending on the input:
 * - every time step of a temporal input (UseTimeSteps, the default when the
 *   input has time steps) — the upstream pipeline runs once per time step,
 *   not once per epoch: samples are kept in memory for all epochs;
 * - every image of a composite input (multiblock or partitioned collection);
 * - the single input image;
 * and, with CropSize > 0, seeded random crops of CropsPerSample from each.
 *
 * InputArrays become channels; the normalisation statistics are computed
 * from the training data and stored in the model. LabelArray is a per-pixel
 * class array (Segmentation) or a field-data array per sample
 * (Classification: a class id; Regression: one value per component).
 * Autoencoders need no label.
 *
 * Under MPI (pvbatch, pvserver) training is data parallel: each rank owns a
 * contiguous block of time steps (whole fields) or its own blocks or piece,
 * gradients are summed over ParaView's controller, weights stay identical,
 * and rank 0 writes the model.
 */
#ifndef vtkNVTrainNetwork_h
#define vtkNVTrainNetwork_h

#include <memory>
#include <string>
#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkTableAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVTrainNetwork : public vtkTableAlgorithm {
 public:
  static vtkNVTrainNetwork* New();
  vtkTypeMacro(vtkNVTrainNetwork, vtkTableAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  enum TaskType { SEGMENTATION = 0, CLASSIFICATION = 1, REGRESSION = 2, AUTOENCODER = 3 };
  enum ClassWeighting { NO_WEIGHTS = 0, INVERSE_FREQUENCY = 1, MANUAL_WEIGHTS = 2 };

  void AddInputArray(const char* name);
  void ClearInputArrays();

  vtkSetStdStringFromCharMacro(LabelArray);
  vtkGetCharFromStdStringMacro(LabelArray);
  vtkSetClampMacro(Task, int, SEGMENTATION, AUTOENCODER);
  vtkGetMacro(Task, int);
  /// "auto", a preset name (climseg, cosmoflow, hepcnn, segnet-small, ...) or a .json file.
  vtkSetStdStringFromCharMacro(Architecture);
  vtkGetCharFromStdStringMacro(Architecture);
  vtkSetClampMacro(Epochs, int, 1, 1000000);
  vtkGetMacro(Epochs, int);
  vtkSetClampMacro(BatchSize, int, 1, 65536);
  vtkGetMacro(BatchSize, int);
  vtkSetClampMacro(LearningRate, double, 0.0, 10.0);
  vtkGetMacro(LearningRate, double);
  /// Side of random crops in pixels; 0 trains on whole samples.
  vtkSetClampMacro(CropSize, int, 0, 100000);
  vtkGetMacro(CropSize, int);
  vtkSetClampMacro(CropsPerSample, int, 1, 100000);
  vtkGetMacro(CropsPerSample, int);
  vtkSetClampMacro(ValidationFraction, double, 0.0, 0.9);
  vtkGetMacro(ValidationFraction, double);
  vtkSetMacro(Seed, int);
  vtkGetMacro(Seed, int);
  /// 0: f32, 1: bf16 (mixed precision with f32 master weights).
  vtkSetClampMacro(Precision, int, 0, 1);
  vtkGetMacro(Precision, int);
  vtkSetClampMacro(ClassWeighting, int, NO_WEIGHTS, MANUAL_WEIGHTS);
  vtkGetMacro(ClassWeighting, int);
  /// Inverse-frequency weights are frequency^-power (DeepCAM uses 0.125).
  vtkSetClampMacro(ClassWeightPower, double, 0.0, 4.0);
  vtkGetMacro(ClassWeightPower, double);
  void AddClassWeight(double weight);
  void ClearClassWeights();
  /// Names of the classes (segmentation/classification), stored in the model.
  void AddClassName(const char* name);
  void ClearClassNames();
  vtkSetStdStringFromCharMacro(ModelFile);
  vtkGetCharFromStdStringMacro(ModelFile);
  /// Seconds; 0 means no limit. Training stops after the current batch and keeps the best model.
  vtkSetClampMacro(TimeLimit, double, 0.0, 1e9);
  vtkGetMacro(TimeLimit, double);
  vtkSetMacro(UseTimeSteps, bool);
  vtkGetMacro(UseTimeSteps, bool);
  /// "adam", "adamw" or "sgd".
  vtkSetStdStringFromCharMacro(Optimizer);
  vtkGetCharFromStdStringMacro(Optimizer);
  vtkSetClampMacro(WeightDecay, double, 0.0, 1.0);
  vtkGetMacro(WeightDecay, double);
  /// "constant", "step" or "cosine".
  vtkSetStdStringFromCharMacro(Schedule);
  vtkGetCharFromStdStringMacro(Schedule);
  vtkSetClampMacro(WarmupEpochs, int, 0, 1000000);
  vtkGetMacro(WarmupEpochs, int);
  /// Largest number of samples to gather (time steps or blocks); 0: all.
  vtkSetClampMacro(MaximumSamples, int, 0, 100000000);
  vtkGetMacro(MaximumSamples, int);

 protected:
  vtkNVTrainNetwork();
  ~vtkNVTrainNetwork() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVTrainNetwork(const vtkNVTrainNetwork&) = delete;
  void operator=(const vtkNVTrainNetwork&) = delete;

  struct Collection;
  std::string CollectSamples(vtkDataObject* input);
  int Train(vtkTable* output);

  std::vector<std::string> InputArrays;
  std::string LabelArray;
  int Task = SEGMENTATION;
  std::string Architecture = "auto";
  int Epochs = 10;
  int BatchSize = 8;
  double LearningRate = 1e-3;
  int CropSize = 0;
  int CropsPerSample = 4;
  double ValidationFraction = 0.2;
  int Seed = 0;
  int Precision = 0;
  int ClassWeighting = NO_WEIGHTS;
  double ClassWeightPower = 0.125;
  std::vector<double> ClassWeights;
  std::vector<std::string> ClassNames;
  std::string ModelFile;
  double TimeLimit = 0.0;
  bool UseTimeSteps = true;
  std::string Optimizer = "adam";
  double WeightDecay = 0.0;
  std::string Schedule = "constant";
  int WarmupEpochs = 0;
  int MaximumSamples = 0;

  std::vector<double> TimeSteps;  // this rank's time steps, when training over time
  bool TrainingOverTime = false;
  size_t CurrentTimeIndex = 0;
  std::unique_ptr<Collection> Samples;
};

#endif
