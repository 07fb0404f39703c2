// Reading and writing training checkpoints (JSON header + float32 blobs).
#include "neuralview/checkpoint.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace nv {

namespace {

using nlohmann::json;

constexpr char kMagic[8] = {'N', 'V', 'C', 'K', 'P', 'T', '0', '1'};
constexpr int64_t kFormatVersion = 1;

// JSON has no NaN or infinity: write them as strings.
json number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double number_from(const json& value) {
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
    throw std::runtime_error("checkpoint: '" + text + "' is not a number");
  }
  return value.get<double>();
}

json numbers(const std::vector<double>& values) {
  json array = json::array();
  for (double v : values) array.push_back(number(v));
  return array;
}

std::vector<double> numbers_from(const json& array) {
  std::vector<double> values;
  for (const auto& v : array) values.push_back(number_from(v));
  return values;
}

json record_to_json(const EpochRecord& r) {
  return json{{"epoch", r.epoch},
              {"train_loss", number(r.train_loss)},
              {"validation_loss", number(r.validation_loss)},
              {"accuracy", number(r.accuracy)},
              {"mean_iou", number(r.mean_iou)},
              {"class_iou", numbers(r.class_iou)},
              {"mae", numbers(r.mae)},
              {"auc", number(r.auc)},
              {"seconds", number(r.seconds)},
              {"learning_rate", number(r.learning_rate)}};
}

EpochRecord record_from_json(const json& j) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  r.train_loss = number_from(j.at("train_loss"));
  r.validation_loss = number_from(j.at("validation_loss"));
  r.accuracy = number_from(j.at("accuracy"));
  r.mean_iou = number_from(j.at("mean_iou"));
  r.class_iou = numbers_from(j.at("class_iou"));
  r.mae = numbers_from(j.at("mae"));
  r.auc = number_from(j.at("auc"));
  r.seconds = number_from(j.at("seconds"));
  r.learning_rate = number_from(j.at("learning_rate"));
  return r;
}

// Appends float blobs to the data section and describes them in JSON.
class BlobWriter {
 public:
  json add(const float* values, size_t count) {
    json entry{{"offset", data_.size() / sizeof(float)}, {"count", count}};
    const size_t begin = data_.size();
    data_.resize(begin + count * sizeof(float));
    if (count) std::memcpy(data_.data() + begin, values, count * sizeof(float));
    return entry;
  }
  json add_tensors(const std::map<std::string, Tensor>& tensors) {
    json array = json::array();
    for (const auto& [name, tensor] : tensors) {
      json entry = add(tensor.data(), static_cast<size_t>(tensor.size()));
      entry["name"] = name;
      entry["shape"] = tensor.shape();
      array.push_back(entry);
    }
    return array;
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

class BlobReader {
 public:
  BlobReader(const std::string& path, std::string data) : path_(path), data_(std::move(data)) {}
  std::vector<float> read(const json& entry) const {
    const uint64_t offset = entry.at("offset").get<uint64_t>(), count = entry.at("count").get<uint64_t>();
    const uint64_t floats = data_.size() / sizeof(float);
    if (offset > floats || count > floats - offset)
      throw std::runtime_error("checkpoint '" + path_ + "' is truncated: a blob lies beyond the end of the file");
    std::vector<float> values(count);
    if (count) std::memcpy(values.data(), data_.data() + offset * sizeof(float), count * sizeof(float));
    return values;
  }
  std::map<std::string, Tensor> read_tensors(const json& array) const {
    std::map<std::string, Tensor> tensors;
    for (const auto& entry : array)
      tensors[entry.at("name").get<std::string>()] = Tensor(entry.at("shape").get<Shape>(), read(entry));
    return tensors;
  }

 private:
  std::string path_;
  std::string data_;
};

void check_little_endian() {
  const uint32_t probe = 1;
  unsigned char first;
  std::memcpy(&first, &probe, 1);
  if (first != 1) throw std::runtime_error("checkpoints are only supported on little-endian machines");
}

}  // namespace

std::string epoch_records_to_json(const std::vector<EpochRecord>& history) {
  json array = json::array();
  for (const auto& r : history) array.push_back(record_to_json(r));
  return array.dump();
}

std::vector<EpochRecord> epoch_records_from_json(const std::string& text) {
  std::vector<EpochRecord> history;
  for (const auto& j : json::parse(text)) history.push_back(record_from_json(j));
  return history;
}

void write_checkpoint(const std::string& path, const TrainingCheckpoint& c) {
  check_little_endian();
  BlobWriter blobs;
  json header;
  header["format_version"] = kFormatVersion;
  header["identity"] = c.identity;
  header["epoch"] = c.epoch;
  header["step"] = c.step;
  header["global_samples"] = c.global_samples;
  header["weights"] = blobs.add_tensors(c.weights);
  header["has_best"] = c.has_best;
  header["best_loss"] = number(c.best_loss);
  header["best_epoch"] = c.best_epoch;
  header["best_weights"] = blobs.add_tensors(c.best_weights);
  json optimizer{{"kind", c.optimizer.kind}, {"step_count", c.optimizer.step_count}};
  json buffers = json::object();
  for (const auto& [name, list] : c.optimizer.buffers) {
    json entries = json::array();
    for (const auto& buffer : list) entries.push_back(blobs.add(buffer.data(), buffer.size()));
    buffers[name] = entries;
  }
  optimizer["buffers"] = buffers;
  header["optimizer"] = optimizer;
  json history = json::array();
  for (const auto& r : c.history) history.push_back(record_to_json(r));
  header["history"] = history;
  json partial = json::object();
  for (const auto& [name, values] : c.partial_epoch) partial[name] = numbers(values);
  header["partial_epoch"] = partial;
  header["partial_epoch_seconds"] = number(c.partial_epoch_seconds);
  header["stop_reason"] = c.stop_reason;

  const std::string text = header.dump();
  const uint64_t length = text.size();
  char length_bytes[8];
  std::memcpy(length_bytes, &length, 8);

  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot open checkpoint file '" + temporary + "' for writing");
    out.write(kMagic, sizeof(kMagic));
    out.write(length_bytes, 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.write(blobs.data().data(), static_cast<std::streamsize>(blobs.data().size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw std::runtime_error("writing checkpoint file '" + temporary + "' failed (disk full?)");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot rename '" + temporary + "' to '" + path + "'");
  }
}

TrainingCheckpoint read_checkpoint(const std::string& path) {
  check_little_endian();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open checkpoint file '" + path + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  if (bytes.size() < 16 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    throw std::runtime_error("'" + path + "' is not a NeuralView training checkpoint");
  uint64_t length = 0;
  std::memcpy(&length, bytes.data() + 8, 8);
  if (length > bytes.size() - 16) throw std::runtime_error("checkpoint '" + path + "' is truncated");
  TrainingCheckpoint c;
  try {
    const json header = json::parse(bytes.begin() + 16, bytes.begin() + 16 + static_cast<std::ptrdiff_t>(length));
    if (header.at("format_version").get<int64_t>() != kFormatVersion)
      throw std::runtime_error("checkpoint '" + path + "' has unsupported format version " +
                               header.at("format_version").dump());
    const BlobReader blobs(path, bytes.substr(16 + length));
    c.identity = header.at("identity").get<std::map<std::string, std::string>>();
    c.epoch = header.at("epoch").get<int64_t>();
    c.step = header.at("step").get<int64_t>();
    c.global_samples = header.at("global_samples").get<int64_t>();
    c.weights = blobs.read_tensors(header.at("weights"));
    c.has_best = header.at("has_best").get<bool>();
    c.best_loss = number_from(header.at("best_loss"));
    c.best_epoch = header.at("best_epoch").get<int64_t>();
    c.best_weights = blobs.read_tensors(header.at("best_weights"));
    const json& optimizer = header.at("optimizer");
    c.optimizer.kind = optimizer.at("kind").get<std::string>();
    c.optimizer.step_count = optimizer.at("step_count").get<int64_t>();
    for (const auto& [name, entries] : optimizer.at("buffers").items())
      for (const auto& entry : entries) c.optimizer.buffers[name].push_back(blobs.read(entry));
    for (const auto& r : header.at("history")) c.history.push_back(record_from_json(r));
    for (const auto& [name, values] : header.at("partial_epoch").items()) c.partial_epoch[name] = numbers_from(values);
    c.partial_epoch_seconds = number_from(header.at("partial_epoch_seconds"));
    c.stop_reason = header.at("stop_reason").get<std::string>();
  } catch (const json::exception& error) {
    throw std::runtime_error("checkpoint '" + path + "' is corrupt: " + error.what());
  }
  return c;
}

}  // namespace nv
