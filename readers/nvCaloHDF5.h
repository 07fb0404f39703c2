// A small RAII layer over the HDF5 C API for the calorimeter readers and
// writers (CaloGAN and hep_cnn layouts): whole or row-range reads of numeric
// datasets converted to float, writes of float/int datasets, string-list
// attributes. Errors are std::runtime_error naming the file and dataset;
// HDF5's own error stack printing is silenced while a File is open.
#ifndef nvCaloHDF5_h
#define nvCaloHDF5_h

#include <cstdint>
#include <string>
#include <vector>

namespace nv {
namespace h5 {

class File {
 public:
  // Opens an existing file read-only, or creates (truncates) one for writing.
  static File open(const std::string& path);
  static File create(const std::string& path);
  File(File&& other) noexcept;
  File& operator=(File&&) = delete;
  File(const File&) = delete;
  ~File();

  const std::string& path() const { return path_; }
  bool has(const std::string& dataset) const;
  // Dimensions of a dataset; throws if it does not exist.
  std::vector<uint64_t> shape(const std::string& dataset) const;
  // Rows [first, first + count) along the first dimension, converted to float.
  std::vector<float> read_rows(const std::string& dataset, uint64_t first, uint64_t count) const;
  std::vector<float> read_all(const std::string& dataset) const;

  void write_float(const std::string& dataset, const std::vector<uint64_t>& dims, const std::vector<float>& values);
  void write_int(const std::string& dataset, const std::vector<uint64_t>& dims, const std::vector<int32_t>& values);
  void write_uint8(const std::string& dataset, const std::vector<uint64_t>& dims, const std::vector<uint8_t>& values);

  // Attributes of the root group holding a list of strings (variable length).
  void write_strings_attribute(const std::string& name, const std::vector<std::string>& values);
  std::vector<std::string> read_strings_attribute(const std::string& name) const;  // empty if absent
  void write_double_attribute(const std::string& name, const std::vector<double>& values);
  std::vector<double> read_double_attribute(const std::string& name) const;  // empty if absent

 private:
  File(int64_t id, std::string path, void* saved_handler, void* saved_data);
  int64_t id_ = -1;
  std::string path_;
  void* saved_handler_ = nullptr;
  void* saved_data_ = nullptr;
};

}  // namespace h5
}  // namespace nv

#endif
