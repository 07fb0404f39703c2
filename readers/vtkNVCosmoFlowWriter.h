/**
 * @class vtkNVCosmoFlowWriter
 * @brief Writes image data as a CosmoFlow HDF5 sample: the channels as the
 * float32 cube `full` (X, Y, Z, C) and the field-data parameters as `unitPar`.
 *
 * ChannelArrays name the point arrays that become channels, in order
 * (default: Density_z0, Density_z0.5, Density_z1.5, Density_z3, the
 * channels of SyntheticCosmology). Also written when the input has them:
 * `physPar` (float64) and `redshifts` (from field data physPar and Redshifts),
 * `namePar` (the parameter names), and root attributes `channel_names` and
 * `BoxSize`, so that vtkNVCosmoFlowReader restores names and spacing.
 * The whole image must be on one process (run it serially or after
 * MergeBlocks/D3 gathering).
 */
#ifndef vtkNVCosmoFlowWriter_h
#define vtkNVCosmoFlowWriter_h

#include <string>
#include <vector>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkWriter.h"

class vtkImageData;

class NEURALVIEWREADERS_EXPORT vtkNVCosmoFlowWriter : public vtkWriter {
 public:
  static vtkNVCosmoFlowWriter* New();
  vtkTypeMacro(vtkNVCosmoFlowWriter, vtkWriter);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(FileName);
  vtkGetCharFromStdStringMacro(FileName);

  void AddChannelArray(const char* name);
  void ClearChannelArrays();

  /// Field-data array written as unitPar. Default "unitPar".
  vtkSetStdStringFromCharMacro(LabelArray);
  vtkGetCharFromStdStringMacro(LabelArray);

 protected:
  vtkNVCosmoFlowWriter();
  ~vtkNVCosmoFlowWriter() override = default;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  void WriteData() override;

 private:
  vtkNVCosmoFlowWriter(const vtkNVCosmoFlowWriter&) = delete;
  void operator=(const vtkNVCosmoFlowWriter&) = delete;

  std::string FileName;
  std::vector<std::string> ChannelArrays;
  std::string LabelArray = "unitPar";
};

#endif
