/**
 * @class vtkNVCosmoFlowReader
 * @brief Reads a CosmoFlow HDF5 sample: the `full` cube of density
 * channels and the cosmological parameters `unitPar`.
 *
 * Layouts of `full`: (X, Y, Z, C) with the channels last (CosmoFlow's
 * (128, 128, 128, 4)), (C, X, Y, Z) with the channels first, or (X, Y, Z) for
 * one channel; any numeric type (CosmoFlow stores int16 particle counts,
 * the CosmoFlow writer float32 rho/mean rho). Axis 0 of the cube is x, so
 * full[i, j, k] is point (i, j, k).
 *
 * Point arrays are named from the root attribute `channel_names` when
 * present, else `Density_z<z>` from the `redshifts` dataset, else
 * `Density_z0`, `Density_z0.5`, `Density_z1.5`, `Density_z3` for four
 * channels (CosmoFlow's redshifts), else `channel_<c>`. With LogDensity,
 * `Log<name>` = log(1 + value) is added (CosmoFlow's network input).
 *
 * Field data: `unitPar` (component names from `namePar` when present),
 * `physPar` and `Redshifts` when the file has them, and `BoxSize`.
 * The spacing is VoxelSize, or the root attribute BoxSize divided by the
 * cube's side, else 1. Only the requested extent is read (hyperslabs), so
 * pieces read in parallel. Several files are the time steps of a series
 * (one sample each), ready for TrainNetwork.
 */
#ifndef vtkNVCosmoFlowReader_h
#define vtkNVCosmoFlowReader_h

#include <string>
#include <vector>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkImageAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVCosmoFlowReader : public vtkImageAlgorithm {
 public:
  static vtkNVCosmoFlowReader* New();
  vtkTypeMacro(vtkNVCosmoFlowReader, vtkImageAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// One sample file; equivalent to ClearFileNames + AddFileName.
  void SetFileName(const char* name);
  const char* GetFileName() const { return this->FileNames.empty() ? nullptr : this->FileNames[0].c_str(); }
  /// Several sample files become time steps 0, 1, 2, ... (all of the same shape).
  void AddFileName(const char* name);
  void ClearFileNames();

  /// Add Log<name> = log(1 + value) arrays. Default on.
  vtkSetMacro(LogDensity, bool);
  vtkGetMacro(LogDensity, bool);
  vtkBooleanMacro(LogDensity, bool);

  /// Grid spacing in Mpc/h; 0 (default) takes BoxSize / side from the file, else 1.
  vtkSetClampMacro(VoxelSize, double, 0.0, 1e6);
  vtkGetMacro(VoxelSize, double);

  /// Whether the file looks like a CosmoFlow sample (has a 3-D or 4-D `full` dataset).
  static int CanReadFile(const char* fileName);

 protected:
  vtkNVCosmoFlowReader();
  ~vtkNVCosmoFlowReader() override = default;

  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVCosmoFlowReader(const vtkNVCosmoFlowReader&) = delete;
  void operator=(const vtkNVCosmoFlowReader&) = delete;

  std::vector<std::string> FileNames;
  bool LogDensity = true;
  double VoxelSize = 0.0;

  // From RequestInformation.
  int Side[3] = {0, 0, 0};
  int Channels = 0;
  bool ChannelsFirst = false;
  int Rank = 0;
  double Spacing = 1.0;
};

#endif
