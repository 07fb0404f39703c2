/**
 * @class vtkNVNetworkAttribution
 * @brief Which input values a trained network's decision depends on:
 * saliency, integrated gradients or Grad-CAM as arrays on image data.
 *
 * The model's channels are matched to arrays and normalised as in
 * vtkNVApplyNetwork. The explained score is the output channel
 * `TargetClass` (a class, or a regression output; -1 picks the class with
 * the largest score), summed over a region of the output for dense
 * (segmentation, autoencoder) networks: the points where `RegionArray`
 * equals `RegionValue` and/or that lie inside `RegionBounds`.
 *
 * Added arrays, on the points or cells the channels came from:
 * - `Attribution`: Saliency — the largest |d score / d input| over the
 *   channels; IntegratedGradients — the sum over channels of
 *   (x − x₀)·mean gradient on the straight path (`Steps` midpoints) from the
 *   baseline x₀ = the training mean (zero after normalisation), so that the
 *   sum of `Attribution` over the field is score(x) − score(x₀); GradCAM —
 *   ReLU(Σ_c α_c A_c) at `Layer` (empty: the last feature map), resampled
 *   linearly from the layer's grid to the input's.
 * - For inputs of several channels, Saliency and IntegratedGradients also
 *   add `Attribution_<channel>` per channel.
 * Gradients are taken with respect to the normalised input the network sees.
 * Field data: `AttributionScore` (score(x)), `AttributionTarget`, and for
 * integrated gradients `AttributionBaselineScore` (score(x₀)).
 *
 * Each time step runs as one sample over the whole field (the engine refuses
 * fields that would exhaust memory). Under MPI the first rank computes the
 * whole field and the other ranks output empty images: every method
 * explains one score of the whole sample (a classifier pools over all of
 * the field; Grad-CAM's channel weights are spatial averages of gradients
 * over the whole layer), so no rank can compute its piece from a halo.
 */
#ifndef vtkNVNetworkAttribution_h
#define vtkNVNetworkAttribution_h

#include <memory>
#include <string>
#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVNetworkAttribution : public vtkDataObjectAlgorithm {
 public:
  static vtkNVNetworkAttribution* New();
  vtkTypeMacro(vtkNVNetworkAttribution, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  enum MethodType { SALIENCY = 0, INTEGRATED_GRADIENTS = 1, GRAD_CAM = 2 };

  vtkSetStdStringFromCharMacro(ModelFile);
  vtkGetCharFromStdStringMacro(ModelFile);
  void AddChannelMapping(const char* entry);
  void ClearChannelMapping();
  vtkSetClampMacro(Method, int, SALIENCY, GRAD_CAM);
  vtkGetMacro(Method, int);
  /// Output channel to explain; -1: the one with the largest score.
  vtkSetClampMacro(TargetClass, int, -1, 1000000);
  vtkGetMacro(TargetClass, int);
  /// Points on the integrated-gradients path.
  vtkSetClampMacro(Steps, int, 1, 10000);
  vtkGetMacro(Steps, int);
  /// Grad-CAM layer; empty: the last tensor with spatial axes before the output.
  vtkSetStdStringFromCharMacro(Layer);
  vtkGetCharFromStdStringMacro(Layer);
  /// Region by value of an array (dense outputs only); empty: no such restriction.
  vtkSetStdStringFromCharMacro(RegionArray);
  vtkGetCharFromStdStringMacro(RegionArray);
  vtkSetMacro(RegionValue, double);
  vtkGetMacro(RegionValue, double);
  /// Region by a box in world coordinates (dense outputs only).
  vtkSetMacro(UseRegionBounds, bool);
  vtkGetMacro(UseRegionBounds, bool);
  vtkSetVector6Macro(RegionBounds, double);
  vtkGetVector6Macro(RegionBounds, double);

  vtkMTimeType GetMTime() override;

 protected:
  vtkNVNetworkAttribution();
  ~vtkNVNetworkAttribution() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVNetworkAttribution(const vtkNVNetworkAttribution&) = delete;
  void operator=(const vtkNVNetworkAttribution&) = delete;

  struct State;
  std::unique_ptr<State> Internal;
  std::string ModelFile;
  std::vector<std::string> ChannelMapping;
  int Method = SALIENCY;
  int TargetClass = -1;
  int Steps = 32;
  std::string Layer;
  std::string RegionArray;
  double RegionValue = 1.0;
  bool UseRegionBounds = false;
  double RegionBounds[6] = {0, 1, 0, 1, 0, 1};
};

#endif
