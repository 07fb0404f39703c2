#include "nvImageTensors.h"

#include <stdexcept>

#include "nvArrayChannels.h"
#include "vtkCellData.h"
#include "vtkCompositeDataIterator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataArray.h"
#include "vtkDataObject.h"
#include "vtkImageData.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"

namespace nv {

std::vector<vtkImageData*> images_of(vtkDataObject* data) {
  std::vector<vtkImageData*> images;
  if (auto* image = vtkImageData::SafeDownCast(data)) {
    images.push_back(image);
  } else if (auto* composite = vtkCompositeDataSet::SafeDownCast(data)) {
    vtkSmartPointer<vtkCompositeDataIterator> it;
    it.TakeReference(composite->NewIterator());
    for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
      if (auto* image = vtkImageData::SafeDownCast(it->GetCurrentDataObject())) images.push_back(image);
  }
  return images;
}

Shape image_spatial_shape(vtkImageData* image, int association) {
  int dims[3];
  image->GetDimensions(dims);
  if (association == vtkDataObject::FIELD_ASSOCIATION_CELLS)
    for (int& d : dims) d = std::max(d - 1, 1);
  if (dims[2] == 1) return {dims[1], dims[0]};
  return {dims[2], dims[1], dims[0]};
}

vtkDataSetAttributes* attributes_of(vtkImageData* image, int association) {
  if (association == vtkDataObject::FIELD_ASSOCIATION_CELLS) return image->GetCellData();
  return image->GetPointData();
}

ImageField field_from_image(vtkImageData* image, const std::vector<std::string>& arrays) {
  ArrayChannels channels = extract_channels(image, arrays);
  ImageField field;
  field.association = channels.association;
  field.channel_names = channels.channel_names;
  if (channels.tuples == 0) return field;
  const Shape spatial = image_spatial_shape(image, channels.association);
  Shape shape = {static_cast<int64_t>(channels.channel_names.size())};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  if (element_count(spatial) != static_cast<int64_t>(channels.tuples))
    throw std::invalid_argument("array sizes do not match the image's dimensions");
  field.values = Tensor(shape);
  const size_t C = channels.channel_names.size(), n = channels.tuples;
  for (size_t c = 0; c < C; ++c)
    for (size_t i = 0; i < n; ++i) field.values[c * n + i] = channels.interleaved[i * C + c];
  return field;
}

Tensor label_map_from_image(vtkImageData* image, const std::string& name, int association) {
  vtkDataArray* array = attributes_of(image, association)->GetArray(name.c_str());
  if (!array) {
    const bool other = attributes_of(image, association == vtkDataObject::FIELD_ASSOCIATION_CELLS
                                                ? vtkDataObject::FIELD_ASSOCIATION_POINTS
                                                : vtkDataObject::FIELD_ASSOCIATION_CELLS)
                           ->GetArray(name.c_str()) != nullptr;
    throw std::invalid_argument(
        "label array '" + name + "' " +
        (other ? "is not on the same points/cells as the input arrays" : "is not a point or cell array of the input"));
  }
  if (array->GetNumberOfComponents() != 1)
    throw std::invalid_argument("label array '" + name + "' must have one component, it has " +
                                std::to_string(array->GetNumberOfComponents()));
  Tensor labels(image_spatial_shape(image, association));
  for (vtkIdType i = 0; i < array->GetNumberOfTuples(); ++i) labels[i] = static_cast<float>(array->GetComponent(i, 0));
  return labels;
}

}  // namespace nv
