// Shared helpers of the representation tests: the scikit-learn/PyTorch
// oracle (repr_oracle.py) and raw little-endian files it writes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nv::test {

// True when the oracle interpreter was found at configure time.
bool oracle_available();

// Directory holding the oracle's output for `case_name`. "tsne" runs alone;
// every other case comes from one "quick" run, made once per test process.
// Throws std::runtime_error when the oracle fails.
std::string oracle_case(const std::string& case_name);

nlohmann::json read_meta(const std::string& directory);
std::vector<double> read_f64(const std::string& path);
std::vector<int64_t> read_i64(const std::string& path);
std::vector<float> read_f32(const std::string& path);

}  // namespace nv::test
