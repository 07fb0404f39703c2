/**
 * @class vtkNVAnomalyMap
 * @brief Marks anomalies where an autoencoder's reconstruction error exceeds
 * a quantile of all errors.
 *
 * The error is the input's ErrorArray (default `ReconstructionError`, as
 * ApplyNetwork writes for autoencoders), or, with a ModelFile (an
 * autoencoder), computed here as ApplyNetwork does: mean squared difference
 * over the normalised channels. The threshold is the Quantile (default 0.99)
 * of the errors of every point (or cell) of all blocks and ranks, as
 * numpy.quantile (linear interpolation); each point is counted once under
 * MPI (shared piece boundaries and ghosts skipped), and the quantile is
 * reduced exactly without gathering the values.
 *
 * Output 0: the input with `Anomaly` (1 where error > threshold, else 0),
 * `ReconstructionError` when computed, and field data `AnomalyThreshold` and
 * per block `AnomalyScore` (mean error of the sample) and
 * `AnomalousFraction`. Output 1: a table with one row per sample (block):
 * `Sample`, `MeanError`, `MaxError`, `AnomalousPoints`, `AnomalousFraction`;
 * field data `AnomalyThreshold`. A series is handled one time step at a time.
 */
#ifndef vtkNVAnomalyMap_h
#define vtkNVAnomalyMap_h

#include <memory>
#include <string>
#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

namespace nv {
class Predictor;
}

class NEURALVIEWFILTERS_EXPORT vtkNVAnomalyMap : public vtkDataObjectAlgorithm {
 public:
  static vtkNVAnomalyMap* New();
  vtkTypeMacro(vtkNVAnomalyMap, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(ErrorArray);
  vtkGetCharFromStdStringMacro(ErrorArray);
  vtkSetStdStringFromCharMacro(ModelFile);
  vtkGetCharFromStdStringMacro(ModelFile);
  void AddChannelMapping(const char* entry);
  void ClearChannelMapping();
  /// Quantile of the errors above which a point is anomalous, in [0, 1].
  vtkSetMacro(Quantile, double);
  vtkGetMacro(Quantile, double);

 protected:
  vtkNVAnomalyMap();
  ~vtkNVAnomalyMap() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVAnomalyMap(const vtkNVAnomalyMap&) = delete;
  void operator=(const vtkNVAnomalyMap&) = delete;

  std::string ErrorArray = "ReconstructionError";
  std::string ModelFile;
  std::vector<std::string> ChannelMapping;
  double Quantile = 0.99;
};

#endif
