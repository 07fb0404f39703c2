/**
 * @class vtkNVClimateNetReader
 * @brief Reads ClimateNet NetCDF climate samples (and other lat-lon NetCDF
 * files): every variable on (lat, lon) or (time, lat, lon) becomes a point
 * array of a lat-lon vtkImageData; `LABELS` (0 background, 1 tropical
 * cyclone, 2 atmospheric river) stays an int array.
 *
 * Dimensions are found by name (lat/latitude, lon/longitude; a leading
 * record dimension is time). Geometry comes from the coordinate variables:
 * x = longitude, y = latitude in degrees, rows ordered south to north (files
 * stored north first are flipped). Packed variables (scale_factor,
 * add_offset) are unpacked and _FillValue/missing_value become NaN.
 *
 * With PressureLevels (in the units of the file's level coordinate, e.g.
 * 850 for hPa), variables on (time, level, lat, lon) are read at the level
 * nearest each value (within 5 %) as `<name><value>`: U and V at 850 hPa
 * become U850 and V850, CAM's geopotential Z3 becomes Z850.
 *
 * Each record of each file is a time step (FileNames in order; ClimateNet
 * keeps one sample per file). Sub-extents are read with nc_get_vara, so MPI
 * ranks read only their pieces.
 */
#ifndef vtkNVClimateNetReader_h
#define vtkNVClimateNetReader_h

#include <string>
#include <utility>
#include <vector>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkImageAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVClimateNetReader : public vtkImageAlgorithm {
 public:
  static vtkNVClimateNetReader* New();
  vtkTypeMacro(vtkNVClimateNetReader, vtkImageAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// One file, or (AddFileName) a series of files.
  void SetFileName(const char* name);
  void AddFileName(const char* name);
  void ClearFileNames();
  const char* GetFileName(int index = 0) const;

  /// Pressure levels read from (time, level, lat, lon) variables; none by default.
  void AddPressureLevel(double level);
  void ClearPressureLevels();

  /// Whether the file is NetCDF with lat and lon dimensions.
  static int CanReadFile(const char* name);

 protected:
  vtkNVClimateNetReader();
  ~vtkNVClimateNetReader() override = default;

  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVClimateNetReader(const vtkNVClimateNetReader&) = delete;
  void operator=(const vtkNVClimateNetReader&) = delete;

  std::vector<std::string> FileNames;
  std::vector<double> PressureLevels;
  std::vector<std::pair<int, int>> Steps;  // (file index, record) of each time step
  int Rows = 0, Columns = 0;
  double Origin[2] = {0, 0}, Spacing[2] = {1, 1};
  bool FlipRows = false;
};

#endif
