// HDF5 access for the cosmology readers and writers (CosmoFlow cubes,
// GADGET-4 snapshots): RAII identifiers, hyperslab reads converted to the
// requested type, dataset and attribute writes. Errors are
// std::runtime_error naming the file and object; HDF5's own error printing
// is silenced while a CosmoFile is open.
#ifndef nvCosmologyHDF5_h
#define nvCosmologyHDF5_h

#include <cstdint>
#include <string>
#include <vector>

namespace nvcosmo {

// One attribute of an HDF5 object: numeric values (as double) or strings.
struct Attribute {
  std::string name;
  bool is_string = false;
  std::vector<double> numbers;
  std::vector<std::string> strings;
  std::vector<uint64_t> shape;
};

class CosmoFile {
 public:
  static CosmoFile open(const std::string& path);    // read-only
  static CosmoFile create(const std::string& path);  // truncates
  CosmoFile(CosmoFile&& other) noexcept;
  CosmoFile& operator=(CosmoFile&&) = delete;
  CosmoFile(const CosmoFile&) = delete;
  ~CosmoFile();

  const std::string& path() const { return path_; }
  // Whether a group or dataset exists at this path (each component checked).
  bool has(const std::string& object) const;
  std::vector<uint64_t> shape(const std::string& dataset) const;  // throws if absent
  // A hyperslab [start, start + count) converted to float, double or int64;
  // empty start/count read the whole dataset.
  std::vector<float> read_float(const std::string& dataset, const std::vector<uint64_t>& start = {},
                                const std::vector<uint64_t>& count = {}) const;
  std::vector<double> read_double(const std::string& dataset, const std::vector<uint64_t>& start = {},
                                  const std::vector<uint64_t>& count = {}) const;
  std::vector<int64_t> read_int64(const std::string& dataset, const std::vector<uint64_t>& start = {},
                                  const std::vector<uint64_t>& count = {}) const;
  // A dataset of strings (fixed or variable length), e.g. CosmoFlow's namePar.
  std::vector<std::string> read_strings(const std::string& dataset) const;
  // All attributes of a group or dataset ("/" for the root); unreadable
  // types are skipped.
  std::vector<Attribute> attributes(const std::string& object) const;

  void write_float(const std::string& dataset, const std::vector<uint64_t>& dims, const float* values);
  void write_double(const std::string& dataset, const std::vector<uint64_t>& dims, const double* values);
  void write_strings(const std::string& dataset, const std::vector<std::string>& values);
  void write_double_attribute(const std::string& object, const std::string& name, const std::vector<double>& values);
  void write_string_attribute(const std::string& object, const std::string& name,
                              const std::vector<std::string>& values);

 private:
  CosmoFile(int64_t id, std::string path, void* handler, void* data);
  int64_t id_ = -1;
  std::string path_;
  void* saved_handler_ = nullptr;
  void* saved_data_ = nullptr;
};

}  // namespace nvcosmo

#endif
