// A small RAII owner of HDF5 identifiers, and quiet checks, for the DeepCAM
// reader and writer.
#ifndef nvHDF5Handle_h
#define nvHDF5Handle_h

#include <hdf5.h>

#include <string>
#include <vector>

namespace nvhdf5 {

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : Id(id), Close(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : Id(other.Id), Close(other.Close) { other.Id = -1; }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      this->reset();
      this->Id = other.Id;
      this->Close = other.Close;
      other.Id = -1;
    }
    return *this;
  }
  ~Handle() { this->reset(); }
  void reset() {
    if (this->Id >= 0 && this->Close) this->Close(this->Id);
    this->Id = -1;
  }
  hid_t get() const { return this->Id; }
  bool valid() const { return this->Id >= 0; }

 private:
  hid_t Id = -1;
  Closer Close = nullptr;
};

// Turns off HDF5's automatic error printing while alive: the reader reports
// problems itself.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &this->Function, &this->Data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, this->Function, this->Data); }

 private:
  H5E_auto2_t Function = nullptr;
  void* Data = nullptr;
};

// Whether an object exists at `path` (every component checked).
bool exists(hid_t file, const std::string& path);

// The dimensions of a dataset (empty when it cannot be opened).
std::vector<hsize_t> dataset_shape(hid_t file, const std::string& path);

// A string attribute of an object, or "" when absent.
std::string string_attribute(hid_t file, const std::string& object, const std::string& name);

}  // namespace nvhdf5

#endif
