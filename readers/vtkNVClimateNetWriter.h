/**
 * @class vtkNVClimateNetWriter
 * @brief Writes a lat-lon vtkImageData as a ClimateNet NetCDF sample:
 * dimensions time (1), lat, lon; coordinate variables; every selected point
 * array as a float variable (time, lat, lon) with CAM5 units where known;
 * `LABELS` (and other integer label arrays such as `FRONTS`) as int (lat, lon).
 *
 * x is longitude and y latitude in degrees (the image's origin and spacing
 * give the coordinates); rows are written south to north.
 */
#ifndef vtkNVClimateNetWriter_h
#define vtkNVClimateNetWriter_h

#include <string>
#include <vector>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkWriter.h"

class NEURALVIEWREADERS_EXPORT vtkNVClimateNetWriter : public vtkWriter {
 public:
  static vtkNVClimateNetWriter* New();
  vtkTypeMacro(vtkNVClimateNetWriter, vtkWriter);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(FileName);
  vtkGetCharFromStdStringMacro(FileName);

  /// The point arrays to write; empty writes every single-component point array.
  void AddArrayName(const char* name);
  void ClearArrayNames();

  /// The value of the time coordinate (days since 2000-01-01). Default 0.
  vtkSetMacro(Time, double);
  vtkGetMacro(Time, double);

 protected:
  vtkNVClimateNetWriter();
  ~vtkNVClimateNetWriter() override = default;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  void WriteData() override;

 private:
  vtkNVClimateNetWriter(const vtkNVClimateNetWriter&) = delete;
  void operator=(const vtkNVClimateNetWriter&) = delete;

  std::string FileName;
  std::vector<std::string> ArrayNames;
  double Time = 0.0;
};

#endif
