// Counter-based random numbers for the cosmology fields: every value depends
// only on (seed, index), so fields do not depend on threads or processes.
#pragma once

#include <cmath>
#include <cstdint>

namespace nv::cosmology::detail {

// SplitMix64 finaliser.
inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) with 53 random bits.
inline double unit_uniform(uint64_t key) { return static_cast<double>(mix(key) >> 11) * (1.0 / 9007199254740992.0); }

// Standard normal (Box-Muller on two independent uniforms; u1 in (0, 1]).
inline double standard_normal(uint64_t key) {
  const double u1 = 1.0 - unit_uniform(key);
  const double u2 = unit_uniform(key ^ 0xd1b54a32d192ed03ULL);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace nv::cosmology::detail
