// Counter-based random streams for the synthetic calorimeter: every event has
// its own generator, seeded from (seed, stream, index), so events can be
// generated in any order and on any process with identical results.
#include <cmath>
#include <limits>

#include "neuralview/calorimeter.h"

namespace nv::calo {

namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

constexpr double kPi = 3.14159265358979323846;

}  // namespace

Random::Random(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t x = seed;
  uint64_t key = splitmix64(x);
  x = key ^ (stream * 0xd1b54a32d192ed03ULL);
  key = splitmix64(x);
  x = key ^ (index * 0x8cb92ba72f3d8dd7ULL);
  for (uint64_t& s : s_) s = splitmix64(x);
}

uint64_t Random::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Random::uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

double Random::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Box-Muller; 1 - u avoids log(0).
  const double r = std::sqrt(-2.0 * std::log(1.0 - uniform()));
  const double angle = 2.0 * kPi * uniform();
  spare_ = r * std::sin(angle);
  has_spare_ = true;
  return r * std::cos(angle);
}

double Random::exponential(double mean) { return -mean * std::log(1.0 - uniform()); }

double Random::gamma(double shape) {
  if (!(shape > 0)) return 0.0;
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a).
    const double u = 1.0 - uniform();
    return gamma(shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  // Marsaglia and Tsang (2000).
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = 1.0 - uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double Random::beta(double a, double b) {
  const double x = gamma(a), y = gamma(b);
  return x + y > 0 ? x / (x + y) : 0.5;
}

int64_t Random::poisson(double mean) {
  if (!(mean > 0)) return 0;
  if (mean < 30.0) {
    // Knuth: multiply uniforms until the product drops below exp(-mean).
    const double limit = std::exp(-mean);
    int64_t k = 0;
    double product = uniform();
    while (product > limit) {
      ++k;
      product *= uniform();
    }
    return k;
  }
  // Large means: the normal approximation with continuity correction; its
  // error (skewness 1/sqrt(mean) < 0.2) is far below the shower model's.
  const double k = std::floor(mean + std::sqrt(mean) * normal() + 0.5);
  return k < 0 ? 0 : static_cast<int64_t>(k);
}

}  // namespace nv::calo
