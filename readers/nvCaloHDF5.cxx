#include "nvCaloHDF5.h"

#include <stdexcept>

#include "vtk_hdf5.h"

namespace nv {
namespace h5 {

namespace {

// Closes an HDF5 handle with the matching close function when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::string where(const std::string& path, const std::string& dataset) { return "'" + dataset + "' in " + path; }

hid_t open_dataset(hid_t file, const std::string& path, const std::string& name) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) throw std::runtime_error("no dataset " + where(path, name));
  const hid_t id = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (id < 0) throw std::runtime_error("cannot open dataset " + where(path, name));
  return id;
}

void write_dataset(hid_t file, const std::string& path, const std::string& name, const std::vector<uint64_t>& dims,
                   hid_t file_type, hid_t memory_type, const void* data, size_t count) {
  size_t expected = 1;
  std::vector<hsize_t> h(dims.begin(), dims.end());
  for (hsize_t d : h) expected *= d;
  if (expected != count) throw std::runtime_error("internal: value count does not match the shape of " + name);
  Handle space(H5Screate_simple(static_cast<int>(h.size()), h.data(), nullptr), H5Sclose);
  if (!space.ok()) throw std::runtime_error("cannot create a dataspace for " + where(path, name));
  Handle set(H5Dcreate2(file, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!set.ok()) throw std::runtime_error("cannot create dataset " + where(path, name));
  if (count > 0 && H5Dwrite(set.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw std::runtime_error("cannot write dataset " + where(path, name));
}

}  // namespace

File::File(int64_t id, std::string path, void* saved_handler, void* saved_data)
    : id_(id), path_(std::move(path)), saved_handler_(saved_handler), saved_data_(saved_data) {}

File::File(File&& other) noexcept
    : id_(other.id_),
      path_(std::move(other.path_)),
      saved_handler_(other.saved_handler_),
      saved_data_(other.saved_data_) {
  other.id_ = -1;
  other.saved_handler_ = nullptr;
}

File::~File() {
  if (id_ >= 0) H5Fclose(id_);
  if (saved_handler_) H5Eset_auto2(H5E_DEFAULT, reinterpret_cast<H5E_auto2_t>(saved_handler_), saved_data_);
}

File File::open(const std::string& path) {
  H5E_auto2_t handler = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &handler, &data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t id = H5Fis_hdf5(path.c_str()) > 0 ? H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
  if (id < 0) {
    H5Eset_auto2(H5E_DEFAULT, handler, data);
    throw std::runtime_error("cannot open '" + path + "' as an HDF5 file (missing, unreadable or another format)");
  }
  return File(id, path, reinterpret_cast<void*>(handler), data);
}

File File::create(const std::string& path) {
  H5E_auto2_t handler = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &handler, &data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) {
    H5Eset_auto2(H5E_DEFAULT, handler, data);
    throw std::runtime_error("cannot create the HDF5 file '" + path + "'");
  }
  return File(id, path, reinterpret_cast<void*>(handler), data);
}

bool File::has(const std::string& dataset) const { return H5Lexists(id_, dataset.c_str(), H5P_DEFAULT) > 0; }

std::vector<uint64_t> File::shape(const std::string& dataset) const {
  Handle set(open_dataset(id_, path_, dataset), H5Dclose);
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw std::runtime_error("cannot read the shape of " + where(path_, dataset));
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return std::vector<uint64_t>(dims.begin(), dims.end());
}

std::vector<float> File::read_rows(const std::string& dataset, uint64_t first, uint64_t count) const {
  Handle set(open_dataset(id_, path_, dataset), H5Dclose);
  Handle type(H5Dget_type(set.get()), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
    throw std::runtime_error(where(path_, dataset) + " is not numeric");
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  if (rank == 0) {
    if (first != 0 || count != 1) throw std::runtime_error(where(path_, dataset) + " is a scalar");
    float value = 0;
    if (H5Dread(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0)
      throw std::runtime_error("cannot read " + where(path_, dataset));
    return {value};
  }
  if (first + count > dims[0])
    throw std::runtime_error("rows " + std::to_string(first) + "-" + std::to_string(first + count) + " of " +
                             where(path_, dataset) + " are out of range (" + std::to_string(dims[0]) + " rows)");
  std::vector<hsize_t> start(dims.size(), 0), block = dims;
  start[0] = first;
  block[0] = count;
  size_t values = 1;
  for (hsize_t b : block) values *= b;
  std::vector<float> out(values);
  if (values == 0) return out;
  H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, block.data(), nullptr);
  Handle memory(H5Screate_simple(static_cast<int>(block.size()), block.data(), nullptr), H5Sclose);
  if (H5Dread(set.get(), H5T_NATIVE_FLOAT, memory.get(), space.get(), H5P_DEFAULT, out.data()) < 0)
    throw std::runtime_error("cannot read " + where(path_, dataset));
  return out;
}

std::vector<float> File::read_all(const std::string& dataset) const {
  const std::vector<uint64_t> dims = shape(dataset);
  return read_rows(dataset, 0, dims.empty() ? 1 : dims[0]);
}

void File::write_float(const std::string& dataset, const std::vector<uint64_t>& dims,
                       const std::vector<float>& values) {
  write_dataset(id_, path_, dataset, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, values.data(), values.size());
}

void File::write_int(const std::string& dataset, const std::vector<uint64_t>& dims,
                     const std::vector<int32_t>& values) {
  write_dataset(id_, path_, dataset, dims, H5T_STD_I32LE, H5T_NATIVE_INT32, values.data(), values.size());
}

void File::write_uint8(const std::string& dataset, const std::vector<uint64_t>& dims,
                       const std::vector<uint8_t>& values) {
  write_dataset(id_, path_, dataset, dims, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.data(), values.size());
}

void File::write_strings_attribute(const std::string& name, const std::vector<std::string>& values) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attribute(H5Acreate2(id_, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.ok()) throw std::runtime_error("cannot create attribute '" + name + "' in " + path_);
  std::vector<const char*> pointers;
  for (const std::string& v : values) pointers.push_back(v.c_str());
  if (H5Awrite(attribute.get(), type.get(), pointers.data()) < 0)
    throw std::runtime_error("cannot write attribute '" + name + "' in " + path_);
}

std::vector<std::string> File::read_strings_attribute(const std::string& name) const {
  if (H5Aexists(id_, name.c_str()) <= 0) return {};
  Handle attribute(H5Aopen(id_, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle space(H5Aget_space(attribute.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  Handle stored(H5Aget_type(attribute.get()), H5Tclose);
  if (n <= 0 || H5Tget_class(stored.get()) != H5T_STRING || !H5Tis_variable_str(stored.get())) return {};
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  std::vector<char*> pointers(static_cast<size_t>(n), nullptr);
  if (H5Aread(attribute.get(), type.get(), pointers.data()) < 0) return {};
  std::vector<std::string> out;
  for (char* p : pointers) out.emplace_back(p ? p : "");
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, pointers.data());
  return out;
}

void File::write_double_attribute(const std::string& name, const std::vector<double>& values) {
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attribute(H5Acreate2(id_, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.ok() || H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, values.data()) < 0)
    throw std::runtime_error("cannot write attribute '" + name + "' in " + path_);
}

std::vector<double> File::read_double_attribute(const std::string& name) const {
  if (H5Aexists(id_, name.c_str()) <= 0) return {};
  Handle attribute(H5Aopen(id_, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle space(H5Aget_space(attribute.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n <= 0) return {};
  std::vector<double> out(static_cast<size_t>(n));
  if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, out.data()) < 0) return {};
  return out;
}

}  // namespace h5
}  // namespace nv
