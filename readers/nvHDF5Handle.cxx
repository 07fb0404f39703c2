#include "nvHDF5Handle.h"

namespace nvhdf5 {

bool exists(hid_t file, const std::string& path) {
  size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && prefix != "/" && H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

std::vector<hsize_t> dataset_shape(hid_t file, const std::string& path) {
  if (!exists(file, path)) return {};
  Handle dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) return {};
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank <= 0) return {};
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

std::string string_attribute(hid_t file, const std::string& object, const std::string& name) {
  if (!exists(file, object) || H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0) return "";
  Handle attribute(H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) return "";
  Handle type(H5Aget_type(attribute.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    char* text = nullptr;
    Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory.get(), H5T_VARIABLE);
    if (H5Aread(attribute.get(), memory.get(), &text) < 0 || !text) return "";
    std::string result(text);
    H5free_memory(text);
    return result;
  }
  const size_t size = H5Tget_size(type.get());
  std::string result(size, '\0');
  Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(memory.get(), size);
  if (H5Aread(attribute.get(), memory.get(), result.data()) < 0) return "";
  result.resize(result.find('\0') == std::string::npos ? size : result.find('\0'));
  return result;
}

}  // namespace nvhdf5
