#include "nvCosmologyHDF5.h"

#include <stdexcept>
#include <utility>

#include "vtk_hdf5.h"

namespace nvcosmo {

namespace {

// Closes an HDF5 identifier when it goes out of scope.
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::runtime_error failure(const std::string& path, const std::string& what) {
  return std::runtime_error(path + ": " + what);
}

template <typename T>
std::vector<T> read_slab(hid_t file, const std::string& path, const std::string& dataset, hid_t memory_type,
                         const std::vector<uint64_t>& start, const std::vector<uint64_t>& count) {
  Id set(H5Dopen2(file, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw failure(path, "no dataset '" + dataset + "'");
  Id space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw failure(path, "cannot read the shape of '" + dataset + "'");
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::vector<hsize_t> offset(rank, 0), size(dims);
  if (!start.empty() || !count.empty()) {
    if (static_cast<int>(start.size()) != rank || static_cast<int>(count.size()) != rank)
      throw failure(path, "a read of '" + dataset + "' gives " + std::to_string(start.size()) +
                              " dimensions for a dataset of " + std::to_string(rank));
    for (int d = 0; d < rank; ++d) {
      if (start[d] + count[d] > dims[d]) throw failure(path, "a read of '" + dataset + "' runs past its end");
      offset[d] = start[d];
      size[d] = count[d];
    }
  }
  size_t total = 1;
  for (hsize_t s : size) total *= s;
  std::vector<T> values(total);
  if (total == 0) return values;
  if (rank > 0 && H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, offset.data(), nullptr, size.data(), nullptr) < 0)
    throw failure(path, "cannot select a part of '" + dataset + "'");
  Id memory(rank > 0 ? H5Screate_simple(rank, size.data(), nullptr) : H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Dread(set.get(), memory_type, memory.get(), space.get(), H5P_DEFAULT, values.data()) < 0)
    throw failure(path, "cannot read '" + dataset + "' as numbers");
  return values;
}

void write_numbers(hid_t file, const std::string& path, const std::string& dataset, const std::vector<uint64_t>& dims,
                   hid_t file_type, hid_t memory_type, const void* values) {
  std::vector<hsize_t> d(dims.begin(), dims.end());
  Id space(d.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr),
           H5Sclose);
  Id set(H5Dcreate2(file, dataset.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw failure(path, "cannot create dataset '" + dataset + "'");
  if (H5Dwrite(set.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0)
    throw failure(path, "cannot write dataset '" + dataset + "'");
}

std::vector<std::string> read_string_values(hid_t object, hid_t type, hid_t space, bool attribute,
                                            const std::string& path) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0) return out;
  if (H5Tis_variable_str(type) > 0) {
    std::vector<char*> pointers(n, nullptr);
    Id memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory.get(), H5T_VARIABLE);
    const herr_t status = attribute ? H5Aread(object, memory.get(), pointers.data())
                                    : H5Dread(object, memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data());
    if (status < 0) throw failure(path, "cannot read strings");
    for (char* p : pointers) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(memory.get(), space, H5P_DEFAULT, pointers.data());
  } else {
    const size_t width = H5Tget_size(type);
    std::vector<char> buffer(width * n + 1, '\0');
    Id memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory.get(), width);
    H5Tset_strpad(memory.get(), H5T_STR_NULLPAD);  // all `width` characters, no terminator needed
    const herr_t status = attribute ? H5Aread(object, memory.get(), buffer.data())
                                    : H5Dread(object, memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
    if (status < 0) throw failure(path, "cannot read strings");
    for (hssize_t i = 0; i < n; ++i) {
      std::string s(buffer.data() + i * width, width);
      s = s.substr(0, s.find('\0'));
      while (!s.empty() && s.back() == ' ') s.pop_back();
      out.push_back(s);
    }
  }
  return out;
}

herr_t collect_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto* out = static_cast<std::vector<Attribute>*>(data);
  Id attribute(H5Aopen(location, name, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) return 0;
  Id type(H5Aget_type(attribute.get()), H5Tclose);
  Id space(H5Aget_space(attribute.get()), H5Sclose);
  Attribute a;
  a.name = name;
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank > 0) {
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    a.shape.assign(dims.begin(), dims.end());
  }
  const H5T_class_t cls = H5Tget_class(type.get());
  try {
    if (cls == H5T_STRING) {
      a.is_string = true;
      a.strings = read_string_values(attribute.get(), type.get(), space.get(), true, name);
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
      const hssize_t n = H5Sget_simple_extent_npoints(space.get());
      a.numbers.resize(n > 0 ? n : 0);
      if (n > 0 && H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, a.numbers.data()) < 0) return 0;
    } else {
      return 0;  // compound, enum, ...: skipped
    }
  } catch (const std::exception&) {
    return 0;
  }
  out->push_back(std::move(a));
  return 0;
}

}  // namespace

CosmoFile::CosmoFile(int64_t id, std::string path, void* handler, void* data)
    : id_(id), path_(std::move(path)), saved_handler_(handler), saved_data_(data) {}

CosmoFile::CosmoFile(CosmoFile&& other) noexcept
    : id_(other.id_),
      path_(std::move(other.path_)),
      saved_handler_(other.saved_handler_),
      saved_data_(other.saved_data_) {
  other.id_ = -1;
}

CosmoFile::~CosmoFile() {
  if (id_ >= 0) {
    H5Fclose(id_);
    H5Eset_auto2(H5E_DEFAULT, reinterpret_cast<H5E_auto2_t>(saved_handler_), saved_data_);
  }
}

CosmoFile CosmoFile::open(const std::string& path) {
  H5E_auto2_t handler = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &handler, &data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eset_auto2(H5E_DEFAULT, handler, data);
    throw failure(path, "not an HDF5 file (or it cannot be read)");
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    H5Eset_auto2(H5E_DEFAULT, handler, data);
    throw failure(path, "cannot open the file");
  }
  return CosmoFile(id, path, reinterpret_cast<void*>(handler), data);
}

CosmoFile CosmoFile::create(const std::string& path) {
  H5E_auto2_t handler = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &handler, &data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) {
    H5Eset_auto2(H5E_DEFAULT, handler, data);
    throw failure(path, "cannot create the file");
  }
  return CosmoFile(id, path, reinterpret_cast<void*>(handler), data);
}

bool CosmoFile::has(const std::string& object) const {
  if (object.empty() || object == "/") return true;
  std::string prefix;
  size_t begin = object[0] == '/' ? 1 : 0;
  while (begin <= object.size()) {
    const size_t end = object.find('/', begin);
    prefix += "/" + object.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return true;
}

std::vector<uint64_t> CosmoFile::shape(const std::string& dataset) const {
  if (!this->has(dataset)) throw failure(path_, "no dataset '" + dataset + "'");
  Id set(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw failure(path_, "'" + dataset + "' is not a dataset");
  Id space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return std::vector<uint64_t>(dims.begin(), dims.end());
}

std::vector<float> CosmoFile::read_float(const std::string& dataset, const std::vector<uint64_t>& start,
                                         const std::vector<uint64_t>& count) const {
  if (!this->has(dataset)) throw failure(path_, "no dataset '" + dataset + "'");
  return read_slab<float>(id_, path_, dataset, H5T_NATIVE_FLOAT, start, count);
}

std::vector<double> CosmoFile::read_double(const std::string& dataset, const std::vector<uint64_t>& start,
                                           const std::vector<uint64_t>& count) const {
  if (!this->has(dataset)) throw failure(path_, "no dataset '" + dataset + "'");
  return read_slab<double>(id_, path_, dataset, H5T_NATIVE_DOUBLE, start, count);
}

std::vector<int64_t> CosmoFile::read_int64(const std::string& dataset, const std::vector<uint64_t>& start,
                                           const std::vector<uint64_t>& count) const {
  if (!this->has(dataset)) throw failure(path_, "no dataset '" + dataset + "'");
  return read_slab<int64_t>(id_, path_, dataset, H5T_NATIVE_INT64, start, count);
}

std::vector<std::string> CosmoFile::read_strings(const std::string& dataset) const {
  if (!this->has(dataset)) throw failure(path_, "no dataset '" + dataset + "'");
  Id set(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw failure(path_, "'" + dataset + "' is not a dataset");
  Id type(H5Dget_type(set.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) throw failure(path_, "'" + dataset + "' does not hold strings");
  Id space(H5Dget_space(set.get()), H5Sclose);
  return read_string_values(set.get(), type.get(), space.get(), false, path_);
}

std::vector<Attribute> CosmoFile::attributes(const std::string& object) const {
  std::vector<Attribute> out;
  if (!this->has(object)) return out;
  Id o(H5Oopen(id_, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!o.valid()) return out;
  hsize_t index = 0;
  H5Aiterate2(o.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &out);
  return out;
}

void CosmoFile::write_float(const std::string& dataset, const std::vector<uint64_t>& dims, const float* values) {
  write_numbers(id_, path_, dataset, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, values);
}

void CosmoFile::write_double(const std::string& dataset, const std::vector<uint64_t>& dims, const double* values) {
  write_numbers(id_, path_, dataset, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values);
}

void CosmoFile::write_strings(const std::string& dataset, const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  for (const std::string& s : values) pointers.push_back(s.c_str());
  hsize_t n = values.size();
  Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  Id set(H5Dcreate2(id_, dataset.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!set.valid() || H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
    throw failure(path_, "cannot write dataset '" + dataset + "'");
}

void CosmoFile::write_double_attribute(const std::string& object, const std::string& name,
                                       const std::vector<double>& values) {
  Id o(H5Oopen(id_, object.c_str(), H5P_DEFAULT), H5Oclose);
  hsize_t n = values.size();
  Id space(values.size() == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
  Id a(H5Acreate2(o.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.valid() || H5Awrite(a.get(), H5T_NATIVE_DOUBLE, values.data()) < 0)
    throw failure(path_, "cannot write attribute '" + name + "' of '" + object + "'");
}

void CosmoFile::write_string_attribute(const std::string& object, const std::string& name,
                                       const std::vector<std::string>& values) {
  Id o(H5Oopen(id_, object.c_str(), H5P_DEFAULT), H5Oclose);
  std::vector<const char*> pointers;
  for (const std::string& s : values) pointers.push_back(s.c_str());
  hsize_t n = values.size();
  Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  Id a(H5Acreate2(o.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.valid() || H5Awrite(a.get(), type.get(), pointers.data()) < 0)
    throw failure(path_, "cannot write attribute '" + name + "' of '" + object + "'");
}

}  // namespace nvcosmo
