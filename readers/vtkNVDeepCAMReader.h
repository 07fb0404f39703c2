/**
 * @class vtkNVDeepCAMReader
 * @brief Reads DeepCAM HDF5 climate samples: group `climate`, dataset `data`
 * (lat, lon, channels) float32 and the segmentation mask `labels_0` (lat, lon).
 *
 * The output is a lat-lon vtkImageData on the CAM5 grid (x = longitude from
 * 0 to 360 - dlon, y = latitude from -90 to 90 degrees) with one float point
 * array per channel, named by the dataset's `channel_names` attribute when
 * present, else in DeepCAM's order (TMQ, U850, V850, UBOT, VBOT, QREFHT, PS,
 * PSL, T200, T500, PRECT, TS, TREFHT, Z1000, Z200, ZBOT), and `LABELS` (int:
 * 0 background, 1 tropical cyclone, 2 atmospheric river) from `labels_0`.
 *
 * Several files (FileNames) are the time steps 0, 1, 2, ...: DeepCAM keeps
 * one sample per file. Sub-extents are read as HDF5 hyperslabs, so MPI ranks
 * read only their pieces.
 */
#ifndef vtkNVDeepCAMReader_h
#define vtkNVDeepCAMReader_h

#include <string>
#include <vector>

#include "NeuralViewReadersModule.h"  // for export macro
#include "vtkImageAlgorithm.h"

class NEURALVIEWREADERS_EXPORT vtkNVDeepCAMReader : public vtkImageAlgorithm {
 public:
  static vtkNVDeepCAMReader* New();
  vtkTypeMacro(vtkNVDeepCAMReader, vtkImageAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// One file, or (AddFileName) a series of files, one time step each.
  void SetFileName(const char* name);
  void AddFileName(const char* name);
  void ClearFileNames();
  const char* GetFileName(int index = 0) const;
  int GetNumberOfFileNames() const { return static_cast<int>(this->FileNames.size()); }

  /// Whether the file is HDF5 with a `climate/data` dataset.
  static int CanReadFile(const char* name);

 protected:
  vtkNVDeepCAMReader();
  ~vtkNVDeepCAMReader() override = default;

  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

 private:
  vtkNVDeepCAMReader(const vtkNVDeepCAMReader&) = delete;
  void operator=(const vtkNVDeepCAMReader&) = delete;

  std::vector<std::string> FileNames;
  // From RequestInformation: the layout of the first file.
  int Rows = 0, Columns = 0, Channels = 0;
  std::vector<std::string> ChannelNames;
};

#endif
