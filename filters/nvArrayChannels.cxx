#include "nvArrayChannels.h"

#include <stdexcept>

#include "vtkCellData.h"
#include "vtkDataArray.h"
#include "vtkDataObject.h"
#include "vtkDataSet.h"
#include "vtkFloatArray.h"
#include "vtkPointData.h"

namespace nv {

ArrayChannels extract_channels(vtkDataSet* data, const std::vector<std::string>& array_names) {
  if (array_names.empty()) throw std::invalid_argument("no input arrays are selected");
  ArrayChannels out;
  if (!data || (data->GetNumberOfPoints() == 0 && data->GetNumberOfCells() == 0)) return out;

  std::vector<vtkDataArray*> arrays;
  for (const std::string& name : array_names) {
    int association = vtkDataObject::FIELD_ASSOCIATION_POINTS;
    vtkDataArray* array = data->GetPointData()->GetArray(name.c_str());
    if (!array) {
      array = data->GetCellData()->GetArray(name.c_str());
      association = vtkDataObject::FIELD_ASSOCIATION_CELLS;
    }
    if (!array) throw std::invalid_argument("input has no numeric point or cell array named '" + name + "'");
    if (out.association < 0) out.association = association;
    if (association != out.association)
      throw std::invalid_argument(
          "array '" + name + "' is a " + (association == vtkDataObject::FIELD_ASSOCIATION_CELLS ? "cell" : "point") +
          " array but '" + array_names.front() + "' is not; all channels must be point arrays or all cell arrays");
    arrays.push_back(array);
    const int components = array->GetNumberOfComponents();
    for (int c = 0; c < components; ++c)
      out.channel_names.push_back(components == 1 ? name : name + "_" + std::to_string(c));
  }

  out.tuples = static_cast<size_t>(arrays.front()->GetNumberOfTuples());
  const size_t channels = out.channel_names.size();
  out.interleaved.resize(out.tuples * channels);
  size_t first_channel = 0;
  for (vtkDataArray* array : arrays) {
    const int components = array->GetNumberOfComponents();
    for (size_t t = 0; t < out.tuples; ++t)
      for (int c = 0; c < components; ++c)
        out.interleaved[t * channels + first_channel + c] =
            static_cast<float>(array->GetComponent(static_cast<vtkIdType>(t), c));
    first_channel += components;
  }
  return out;
}

vtkSmartPointer<vtkFloatArray> make_interleaved_array(const std::string& name, const float* planar, size_t tuples,
                                                      const std::vector<std::string>& channel_names) {
  const size_t channels = channel_names.size();
  auto array = vtkSmartPointer<vtkFloatArray>::New();
  array->SetName(name.c_str());
  array->SetNumberOfComponents(static_cast<int>(channels));
  array->SetNumberOfTuples(static_cast<vtkIdType>(tuples));
  float* out = array->GetPointer(0);
  for (size_t c = 0; c < channels; ++c) {
    array->SetComponentName(static_cast<vtkIdType>(c), channel_names[c].c_str());
    for (size_t t = 0; t < tuples; ++t) out[t * channels + c] = planar[c * tuples + t];
  }
  return array;
}

}  // namespace nv
