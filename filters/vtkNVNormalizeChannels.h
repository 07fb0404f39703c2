/**
 * @class vtkNVNormalizeChannels
 * @brief Stacks selected arrays into the channels of a network input and
 * normalises each channel to zero mean and unit variance.
 *
 * This is how fields enter every network of the plugin: each selected point
 * or cell array (each component of a multi-component array) becomes one
 * channel. The mean and standard deviation of each channel are computed over
 * the whole dataset: over every block of a composite input and over every
 * rank of a parallel run, through ParaView's process controller. They can
 * instead be given (`UseReferenceStatistics`), so that new data is
 * normalised exactly like the data a network was trained on.
 *
 * Output port 0: the input with a float array `NormalizedChannels` (one
 * component per channel, components named after the channels) and field-data
 * arrays `ChannelMean` and `ChannelStdDev` holding the statistics used.
 * Output port 1: a table with one row per channel (Channel, Mean, StdDev,
 * Minimum, Maximum, Count), on rank 0 only so that gathering it to the
 * client does not repeat rows.
 */
#ifndef vtkNVNormalizeChannels_h
#define vtkNVNormalizeChannels_h

#include <string>
#include <vector>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkDataObjectAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVNormalizeChannels : public vtkDataObjectAlgorithm {
 public:
  static vtkNVNormalizeChannels* New();
  vtkTypeMacro(vtkNVNormalizeChannels, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// The arrays that become channels, in order.
  void AddInputArray(const char* name);
  void ClearInputArrays();
  int GetNumberOfInputArrays() const;
  const char* GetInputArray(int index) const;

  /// Name of the output array (default "NormalizedChannels").
  vtkSetStdStringFromCharMacro(OutputArrayName);
  vtkGetCharFromStdStringMacro(OutputArrayName);

  /// Use the given per-channel mean and standard deviation instead of
  /// computing them from the input (default off).
  vtkSetMacro(UseReferenceStatistics, bool);
  vtkGetMacro(UseReferenceStatistics, bool);
  vtkBooleanMacro(UseReferenceStatistics, bool);
  void SetReferenceMean(const double* values, int count);
  void SetReferenceStdDev(const double* values, int count);
  /// ParaView repeat-command style setters: one value at a time.
  void AddReferenceMean(double value);
  void ClearReferenceMean();
  void AddReferenceStdDev(double value);
  void ClearReferenceStdDev();

 protected:
  vtkNVNormalizeChannels();
  ~vtkNVNormalizeChannels() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVNormalizeChannels(const vtkNVNormalizeChannels&) = delete;
  void operator=(const vtkNVNormalizeChannels&) = delete;

  std::vector<std::string> InputArrays;
  std::string OutputArrayName = "NormalizedChannels";
  bool UseReferenceStatistics = false;
  std::vector<double> ReferenceMean;
  std::vector<double> ReferenceStdDev;
};

#endif
