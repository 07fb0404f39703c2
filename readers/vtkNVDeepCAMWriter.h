/**
 * @class vtkNVDeepCAMWriter
 * @brief Writes a lat-lon vtkImageData as a DeepCAM HDF5 sample: group
 * `climate`, dataset `data` (lat, lon, channels) float32 and `labels_0`
 * (lat, lon) int32.
 *
 * The channels are the point arrays named in ChannelNames, in that order
 * (default: the 16 DeepCAM variables TMQ, U850, V850, UBOT, VBOT, QREFHT, PS,
 * PSL, T200, T500, PRECT, TS, TREFHT, Z1000, Z200, ZBOT); their names are
 * also stored as the attribute `channel_names` of `data`. `labels_0` comes
 * from LabelArray (default `LABELS`) when the input has it. Image rows are
 * latitudes (south first), columns longitudes: VTK's point order is already
 * the (lat, lon) row-major order of the file.
 */
#ifndef vtkNVDeepCAMWriter_h
#define vtkNVDeepCAMWriter_h

#include <string>
#include <vector>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkWriter.h"

class vtkImageData;

class NEURALVIEWREADERS_EXPORT vtkNVDeepCAMWriter : public vtkWriter {
 public:
  static vtkNVDeepCAMWriter* New();
  vtkTypeMacro(vtkNVDeepCAMWriter, vtkWriter);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  vtkSetStdStringFromCharMacro(FileName);
  vtkGetCharFromStdStringMacro(FileName);

  /// The point arrays that become channels, in order; empty means the 16 DeepCAM variables.
  void AddChannelName(const char* name);
  void ClearChannelNames();

  /// The label array written as `labels_0`; empty or absent from the input writes no labels.
  vtkSetStdStringFromCharMacro(LabelArray);
  vtkGetCharFromStdStringMacro(LabelArray);

 protected:
  vtkNVDeepCAMWriter();
  ~vtkNVDeepCAMWriter() override = default;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  void WriteData() override;

 private:
  vtkNVDeepCAMWriter(const vtkNVDeepCAMWriter&) = delete;
  void operator=(const vtkNVDeepCAMWriter&) = delete;

  std::string FileName;
  std::vector<std::string> ChannelNames;
  std::string LabelArray = "LABELS";
};

#endif
