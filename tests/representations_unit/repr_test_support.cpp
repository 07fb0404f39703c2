#include "repr_test_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>

namespace nv::test {
namespace {

std::string scratch_directory() {
  static const std::string directory = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "nv_repr_XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory");
    return pattern;
  }();
  return directory;
}

void run_oracle(const std::string& case_name, const std::string& directory) {
  const std::string command = std::string("'") + NV_REPR_ORACLE_PYTHON + "' '" + NV_REPR_ORACLE_SCRIPT + "' " +
                              case_name + " '" + directory + "'";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("oracle failed: " + command);
}

template <typename T>
std::vector<T> read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path);
  const auto bytes = static_cast<size_t>(in.tellg());
  std::vector<T> values(bytes / sizeof(T));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(T)));
  return values;
}

}  // namespace

bool oracle_available() { return std::string(NV_REPR_ORACLE_PYTHON).size() > 0; }

std::string oracle_case(const std::string& case_name) {
  static std::mutex mutex;
  static std::map<std::string, bool> done;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string base = scratch_directory();
  if (case_name == "tsne") {
    const std::string directory = base + "/tsne";
    if (!done["tsne"]) run_oracle("tsne", directory), done["tsne"] = true;
    return directory;
  }
  if (!done["quick"]) run_oracle("quick", base), done["quick"] = true;
  return base + "/" + case_name;
}

nlohmann::json read_meta(const std::string& directory) {
  std::ifstream in(directory + "/meta.json");
  if (!in) throw std::runtime_error("no meta.json in " + directory);
  return nlohmann::json::parse(in);
}

std::vector<double> read_f64(const std::string& path) { return read_raw<double>(path); }
std::vector<int64_t> read_i64(const std::string& path) { return read_raw<int64_t>(path); }
std::vector<float> read_f32(const std::string& path) { return read_raw<float>(path); }

}  // namespace nv::test
