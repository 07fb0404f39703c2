// vtkImageData arrays <-> planar tensors (C, H, W) or (C, D, H, W).
//
// VTK stores image values x-fastest, then y, then z, which is exactly the
// row-major order of a (D=z, H=y, W=x) tensor: channels only need to be
// de-interleaved. A flat image (one layer in z) becomes a 2-D field.
#ifndef nvImageTensors_h
#define nvImageTensors_h

#include <string>
#include <vector>

#include "neuralview/tensor.h"

class vtkDataArray;
class vtkDataSetAttributes;
class vtkDataObject;
class vtkImageData;

namespace nv {

struct ImageField {
  Tensor values;  // (C, H, W) or (C, D, H, W)
  int association = -1;
  std::vector<std::string> channel_names;
};

// The image data of a data object: itself, or every image block of a
// composite dataset (other block types are skipped), in iteration order.
std::vector<vtkImageData*> images_of(vtkDataObject* data);

// Spatial shape of the image's points or cells: (ny, nx) for a flat image,
// else (nz, ny, nx).
Shape image_spatial_shape(vtkImageData* image, int association);

// Throws std::invalid_argument naming a missing array or an association
// mismatch (see extract_channels).
ImageField field_from_image(vtkImageData* image, const std::vector<std::string>& arrays);

// One single-component array as a (spatial...) tensor; throws when missing,
// multi-component, or of another association than `association`.
Tensor label_map_from_image(vtkImageData* image, const std::string& array, int association);

// The attributes (point or cell data) an association refers to.
vtkDataSetAttributes* attributes_of(vtkImageData* image, int association);

}  // namespace nv

#endif
