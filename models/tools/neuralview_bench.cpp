// neuralview-bench: throughput of a network on random data.
//
//   neuralview-bench --net NAME|FILE.json --mode train|infer --threads N
//                    --batch B --precision f32|bf16 --steps S
//                    [--shape C,H,W | C,D,H,W] [--outputs K] [--warmup W]
//
// A training step is forward (training) + loss gradient + backward + Adam
// step (lr 1e-3); inference is forward only. The last line of the output is
// exactly "samples_per_second <value>".
#include <omp.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "neuralview/loss.h"
#include "neuralview/network.h"
#include "neuralview/optimizer.h"
#if __has_include("neuralview/presets.h") && __has_include("neuralview/architecture_json.h")
#include "neuralview/architecture_json.h"
#include "neuralview/presets.h"
#define NV_BENCH_HAS_PRESETS 1
#endif

namespace {

struct Arguments {
  std::string net = "hepcnn";
  std::string mode = "train";
  int threads = 0;
  int64_t batch = 0;
  std::string precision = "f32";
  int steps = 10;
  int warmup = 2;
  nv::Shape shape;
  int64_t outputs = 0;
};

struct ReferenceNetwork {
  nv::Shape shape;
  int64_t batch;
  int64_t outputs;
};

// DESIGN.md's reference configurations.
const std::map<std::string, ReferenceNetwork>& references() {
  static const std::map<std::string, ReferenceNetwork> table = {
      {"climseg", {{16, 192, 288}, 4, 3}},
      {"cosmoflow", {{4, 64, 64, 64}, 4, 4}},
      {"hepcnn", {{3, 64, 64}, 32, 2}},
  };
  return table;
}

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "neuralview-bench: " << problem << "\n"
            << "usage: neuralview-bench --net NAME|FILE.json --mode train|infer --threads N --batch B\n"
            << "                        --precision f32|bf16 --steps S [--shape C,H,W] [--outputs K] [--warmup W]\n";
  std::exit(2);
}

nv::Shape parse_shape(const std::string& text) {
  nv::Shape shape;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) shape.push_back(std::stoll(part));
  if (shape.size() != 3 && shape.size() != 4) usage("--shape needs C,H,W or C,D,H,W");
  return shape;
}

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (i + 1 >= argc) usage("missing value after " + key);
    const std::string value = argv[++i];
    try {
      if (key == "--net")
        a.net = value;
      else if (key == "--mode")
        a.mode = value;
      else if (key == "--threads")
        a.threads = std::stoi(value);
      else if (key == "--batch")
        a.batch = std::stoll(value);
      else if (key == "--precision")
        a.precision = value;
      else if (key == "--steps")
        a.steps = std::stoi(value);
      else if (key == "--warmup")
        a.warmup = std::stoi(value);
      else if (key == "--shape")
        a.shape = parse_shape(value);
      else if (key == "--outputs")
        a.outputs = std::stoll(value);
      else
        usage("unknown option " + key);
    } catch (const std::logic_error&) {
      usage("bad value '" + value + "' for " + key);
    }
  }
  if (a.mode != "train" && a.mode != "infer") usage("--mode must be train or infer");
  if (a.steps < 1 || a.warmup < 0) usage("--steps must be positive and --warmup not negative");
  return a;
}

// CPU seconds of this process (all threads): with one thread, a measure that
// other load on the machine barely disturbs.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Targets the loss accepts: class ids for classification/segmentation
// (one per sample and position), values in [-1, 1] otherwise.
nv::Tensor random_target(const std::string& loss_name, const nv::Shape& prediction, std::mt19937_64& rng) {
  if (loss_name == "cross_entropy") {
    nv::Shape shape = {prediction[0]};
    shape.insert(shape.end(), prediction.begin() + 2, prediction.end());
    nv::Tensor target(shape);
    std::uniform_int_distribution<int64_t> cls(0, prediction[1] - 1);
    for (float& v : target.values()) v = static_cast<float>(cls(rng));
    return target;
  }
  nv::Tensor target(prediction);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  for (float& v : target.values()) v = value(rng);
  return target;
}

}  // namespace

int main(int argc, char** argv) {
  const Arguments args = parse(argc, argv);
  try {
    if (args.threads > 0) omp_set_num_threads(args.threads);
    auto reference = references().find(args.net);
    nv::Shape shape = args.shape;
    int64_t batch = args.batch, outputs = args.outputs;
    if (reference != references().end()) {
      if (shape.empty()) shape = reference->second.shape;
      if (batch == 0) batch = reference->second.batch;
      if (outputs == 0) outputs = reference->second.outputs;
    }
    if (shape.empty()) usage("--shape is required for " + args.net);
    if (batch == 0) batch = 4;
    if (outputs == 0) outputs = 2;

    const uint64_t seed = 1234;
#ifdef NV_BENCH_HAS_PRESETS
    nv::GraphSpec spec = ends_with(args.net, ".json") ? nv::load_architecture_json(args.net, shape, outputs, seed)
                                                      : nv::build_preset(args.net, shape, outputs, seed);
#else
    nv::GraphSpec spec;
    throw std::runtime_error("this build has no presets or architecture files");
#endif
    nv::NetworkOptions options;
    options.precision = nv::precision_from_string(args.precision);
    options.seed = seed;
    nv::Network net(spec, batch, options);
    const bool training = args.mode == "train";

    std::mt19937_64 rng(seed);
    nv::Tensor input(net.input_shape());
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& v : input.values()) v = normal(rng);
    const std::string task = spec.metadata.task.empty() ? "regression" : spec.metadata.task;
    std::unique_ptr<nv::Loss> loss = nv::make_loss(nv::default_loss_for_task(task));
    const nv::Tensor target = random_target(loss->name(), net.output_shape(), rng);
    nv::Adam adam(1e-3);
    const std::vector<nv::Parameter> parameters = net.parameters();

    // Seconds spent in each phase over the timed steps.
    double forward_time = 0.0, loss_time = 0.0, backward_time = 0.0, optimizer_time = 0.0;
    using clock = std::chrono::steady_clock;
    auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
    auto step = [&]() {
      auto t = clock::now();
      if (!training) {
        net.forward(input, nv::Mode::inference);
        forward_time += since(t);
        return;
      }
      const nv::Tensor prediction = net.forward(input, nv::Mode::training);
      forward_time += since(t);
      t = clock::now();
      const nv::LossValue value = loss->evaluate(prediction, target);
      loss_time += since(t);
      t = clock::now();
      net.backward(value.gradient);
      backward_time += since(t);
      t = clock::now();
      adam.step(parameters);
      optimizer_time += since(t);
    };
    for (int i = 0; i < args.warmup; ++i) step();
    forward_time = loss_time = backward_time = optimizer_time = 0.0;
    const auto start = clock::now();
    const double cpu_start = cpu_seconds();
    for (int i = 0; i < args.steps; ++i) step();
    const double seconds = since(start);
    const double cpu = cpu_seconds() - cpu_start;

    const double samples_per_second = static_cast<double>(batch * args.steps) / seconds;
    const double flops_per_sample = net.forward_flops_per_sample() * (training ? 3.0 : 1.0);
    std::cout << "network " << args.net << " input " << nv::shape_to_string(net.input_shape()) << " mode " << args.mode
              << " precision " << args.precision << " threads " << omp_get_max_threads() << "\n";
    std::cout << "forward_gflop_per_sample " << net.forward_flops_per_sample() * 1e-9 << "\n";
    std::cout << "seconds_per_step " << seconds / args.steps << " (forward " << forward_time / args.steps;
    if (training)
      std::cout << ", loss " << loss_time / args.steps << ", backward " << backward_time / args.steps << ", adam "
                << optimizer_time / args.steps;
    std::cout << ")\n";
    std::cout << "cpu_seconds_per_step " << cpu / args.steps << "\n";
    std::cout << "gflops_per_second " << samples_per_second * flops_per_sample * 1e-9 << "\n";
    std::cout << "samples_per_second " << samples_per_second << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "neuralview-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
