// neuralview-embed: runs one clustering or embedding algorithm of models/ on
// a raw matrix file, for benchmarks and scripting.
//
//   neuralview-embed METHOD --input X.f64 --cols D --output OUT [options]
//
// METHOD: kmeans | dbscan | agglomerative | pca | tsne | umap
// X.f64: row-major little-endian float64, D values per point.
// OUT: int64 labels (clustering) or float64 coordinates (embeddings).
// Options: --clusters K --n-init N --seed S --eps E --min-samples M
//          --linkage ward|complete|average|single --components C
//          --perplexity P --iterations I --neighbors K --epochs E
// Prints one JSON line: {"method": ..., "points": n, "seconds": compute time}.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "neuralview/agglomerative.h"
#include "neuralview/dbscan.h"
#include "neuralview/kmeans.h"
#include "neuralview/pca.h"
#include "neuralview/tsne.h"
#include "neuralview/umap.h"

namespace {

template <typename T>
void write_raw(const std::string& path, const std::vector<T>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(T)));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<double> read_matrix(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path);
  const auto bytes = static_cast<size_t>(in.tellg());
  if (bytes % sizeof(double) != 0) throw std::runtime_error(path + " is not a float64 file");
  std::vector<double> values(bytes / sizeof(double));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(bytes));
  return values;
}

int run(int argc, char** argv) {
  if (argc < 2 || argv[1] == std::string("--help")) {
    std::cerr << "usage: neuralview-embed kmeans|dbscan|agglomerative|pca|tsne|umap --input X.f64 --cols D "
                 "--output OUT [--clusters K --n-init N --seed S --eps E --min-samples M --linkage L "
                 "--components C --perplexity P --iterations I --neighbors K --epochs E]\n";
    return 2;
  }
  const std::string method = argv[1];
  std::map<std::string, std::string> args;
  for (int i = 2; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc)
      throw std::invalid_argument("expected --option value at '" + key + "'");
    args[key.substr(2)] = argv[i + 1];
  }
  auto get = [&](const std::string& key, const std::string& fallback = "") {
    auto it = args.find(key);
    if (it != args.end()) return it->second;
    if (fallback.empty()) throw std::invalid_argument("missing --" + key);
    return fallback;
  };
  const std::vector<double> x = read_matrix(get("input"));
  const size_t dimension = std::stoul(get("cols"));
  const std::string output = get("output");
  const uint64_t seed = std::stoull(get("seed", "0"));
  const auto start = std::chrono::steady_clock::now();
  if (method == "kmeans") {
    nv::KMeansOptions options;
    options.clusters = std::stoul(get("clusters", "8"));
    options.n_init = std::stoul(get("n-init", "10"));
    options.seed = seed;
    write_raw(output, nv::kmeans(x, dimension, options).labels);
  } else if (method == "dbscan") {
    nv::DbscanOptions options;
    options.eps = std::stod(get("eps", "0.5"));
    options.min_samples = std::stoul(get("min-samples", "5"));
    write_raw(output, nv::dbscan(x, dimension, options).labels);
  } else if (method == "agglomerative") {
    write_raw(output, nv::agglomerative_clustering(x, dimension, std::stoul(get("clusters", "2")),
                                                   nv::linkage_from_string(get("linkage", "ward"))));
  } else if (method == "pca") {
    const nv::PcaModel model = nv::pca_fit(x, dimension, std::stoul(get("components", "2")));
    write_raw(output, nv::pca_transform(model, x));
  } else if (method == "tsne") {
    nv::TsneOptions options;
    options.components = std::stoul(get("components", "2"));
    options.perplexity = std::stod(get("perplexity", "30"));
    options.iterations = std::stoul(get("iterations", "1000"));
    options.seed = seed;
    write_raw(output, nv::tsne(x, dimension, options).embedding);
  } else if (method == "umap") {
    nv::UmapOptions options;
    options.components = std::stoul(get("components", "2"));
    options.neighbors = std::stoul(get("neighbors", "15"));
    options.epochs = std::stoul(get("epochs", "0"));
    options.seed = seed;
    write_raw(output, nv::umap(x, dimension, options).embedding);
  } else {
    throw std::invalid_argument("unknown method '" + method + "'");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "{\"method\": \"" << method << "\", \"points\": " << x.size() / dimension << ", \"seconds\": " << seconds
            << "}" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "neuralview-embed: " << error.what() << "\n";
    return 1;
  }
}
