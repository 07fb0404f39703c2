/**
 * @class vtkNVExtractPressureLevel
 * @brief Takes one vertical level of a lat-lon-level image (as the NetCDF CF
 * reader makes of (lev, lat, lon) variables) as a flat lat-lon image whose
 * arrays are named for the level: U at 850 hPa becomes `U850`, the channel
 * name CAM5 and DeepCAM use.
 *
 * LevelIndex is the index along z (the file's level order: in NCEP files
 * index 2 is 850 hPa); LevelName is appended to every point and cell array
 * name ("850": U -> U850, V -> V850, T -> T850; CAM's geopotential Z3 ->
 * Z850). An empty LevelName keeps the names. A flat input passes through
 * unchanged in values; either way the output is a clean 2-D image (z origin
 * 0, spacing 1), which also repairs the undefined z spacing readers give
 * single-layer lat-lon fields.
 */
#ifndef vtkNVExtractPressureLevel_h
#define vtkNVExtractPressureLevel_h

#include <string>

#include "NeuralViewFiltersModule.h"  // for export macro
#include "vtkImageAlgorithm.h"

class NEURALVIEWFILTERS_EXPORT vtkNVExtractPressureLevel : public vtkImageAlgorithm {
 public:
  static vtkNVExtractPressureLevel* New();
  vtkTypeMacro(vtkNVExtractPressureLevel, vtkImageAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// Index of the level along z, counted from the first level in the file. Default 2.
  vtkSetClampMacro(LevelIndex, int, 0, 1000000);
  vtkGetMacro(LevelIndex, int);

  /// Appended to array names (Z3 becomes Z + LevelName). Default "850".
  vtkSetStdStringFromCharMacro(LevelName);
  vtkGetCharFromStdStringMacro(LevelName);

 protected:
  vtkNVExtractPressureLevel();
  ~vtkNVExtractPressureLevel() override = default;

  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVExtractPressureLevel(const vtkNVExtractPressureLevel&) = delete;
  void operator=(const vtkNVExtractPressureLevel&) = delete;

  int LevelIndex = 2;
  std::string LevelName = "850";
  int InputWholeExtent[6] = {0, -1, 0, -1, 0, -1};
};

#endif
