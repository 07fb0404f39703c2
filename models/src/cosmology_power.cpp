// Linear theory: transfer functions, the σ_8-normalised power spectrum, the
// growth factors of flat ΛCDM, and CosmoFlow's parameter convention.
#include <cmath>
#include <stdexcept>
#include <string>

#include "cosmology_random.h"
#include "neuralview/cosmology.h"

namespace nv::cosmology {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kCmbTemperature = 2.7255;  // K

void require_physical(const Parameters& p) {
  if (!(p.omega_m > 0.0 && p.omega_m <= 1.0))
    throw std::invalid_argument("Omega_m must lie in (0, 1], not " + std::to_string(p.omega_m));
  if (!(p.sigma_8 > 0.0)) throw std::invalid_argument("sigma_8 must be positive, not " + std::to_string(p.sigma_8));
  if (!(p.hubble > 0.0)) throw std::invalid_argument("H0 must be positive, not " + std::to_string(p.hubble));
  if (!(p.omega_b >= 0.0 && p.omega_b < p.omega_m))
    throw std::invalid_argument("Omega_b must lie in [0, Omega_m), not " + std::to_string(p.omega_b));
  if (!std::isfinite(p.n_s)) throw std::invalid_argument("n_s must be finite");
}

// Composite Simpson rule on [a, b] with an even number of intervals.
template <typename F>
double simpson(F f, double a, double b, int intervals) {
  if (intervals % 2) ++intervals;
  const double h = (b - a) / intervals;
  double sum = f(a) + f(b);
  for (int i = 1; i < intervals; ++i) sum += f(a + i * h) * (i % 2 ? 4.0 : 2.0);
  return sum * h / 3.0;
}

double hubble_rate(double a, double omega_m) {  // E(a) = H(a) / H0, flat ΛCDM
  return std::sqrt(omega_m / (a * a * a) + (1.0 - omega_m));
}

// Unnormalised growth: E(a) ∫_0^a da' / (a' E(a'))^3. The integrand behaves
// like a'^(3/2) near 0, so Simpson on the substitution a' = t^2 is smooth.
double growth_integral(double a, double omega_m) {
  const auto integrand = [omega_m](double t) {
    if (t <= 0.0) return 0.0;
    const double ap = t * t;
    const double aE = ap * hubble_rate(ap, omega_m);
    return 2.0 * t / (aE * aE * aE);
  };
  return hubble_rate(a, omega_m) * simpson(integrand, 0.0, std::sqrt(a), 2000);
}

}  // namespace

Parameters from_unit_parameters(const std::array<double, 4>& u, double omega_b) {
  Parameters p;
  p.omega_m = (1.0 + kUnitParameterSpread * u[0]) * kFiducialParameters[0];
  p.sigma_8 = (1.0 + kUnitParameterSpread * u[1]) * kFiducialParameters[1];
  p.n_s = (1.0 + kUnitParameterSpread * u[2]) * kFiducialParameters[2];
  p.hubble = (1.0 + kUnitParameterSpread * u[3]) * kFiducialParameters[3];
  p.omega_b = omega_b;
  return p;
}

std::array<double, 4> to_unit_parameters(const Parameters& p) {
  const double values[4] = {p.omega_m, p.sigma_8, p.n_s, p.hubble};
  std::array<double, 4> u{};
  for (int i = 0; i < 4; ++i) u[i] = (values[i] / kFiducialParameters[i] - 1.0) / kUnitParameterSpread;
  return u;
}

std::array<double, 4> draw_unit_parameters(uint64_t seed) {
  std::array<double, 4> u{};
  const uint64_t base = detail::mix(seed ^ 0x636f736d6f666c6fULL);  // "cosmoflo"
  for (int i = 0; i < 4; ++i) u[i] = 2.0 * detail::unit_uniform(detail::mix(base + static_cast<uint64_t>(i))) - 1.0;
  return u;
}

double transfer_eisenstein_hu(double k, const Parameters& p) {
  if (k <= 0.0) return 1.0;
  const double h = p.h();
  const double omh2 = p.omega_m * h * h, obh2 = p.omega_b * h * h;
  const double fb = p.omega_b / p.omega_m;
  const double theta = kCmbTemperature / 2.7;
  // Sound horizon (eq. 26) and the suppression of the shape by baryons (eqs. 30-31).
  const double s = 44.5 * std::log(9.83 / omh2) / std::sqrt(1.0 + 10.0 * std::pow(obh2, 0.75));  // Mpc
  const double alpha = 1.0 - 0.328 * std::log(431.0 * omh2) * fb + 0.38 * std::log(22.3 * omh2) * fb * fb;
  const double ks = 0.43 * k * h * s;
  const double gamma = p.omega_m * h * (alpha + (1.0 - alpha) / (1.0 + ks * ks * ks * ks));
  const double q = k * theta * theta / gamma;  // eq. 28, k in h/Mpc
  const double l0 = std::log(2.0 * std::exp(1.0) + 1.8 * q);
  const double c0 = 14.2 + 731.0 / (1.0 + 62.5 * q);
  return l0 / (l0 + c0 * q * q);
}

double transfer_bbks(double k, const Parameters& p) {
  if (k <= 0.0) return 1.0;
  const double h = p.h();
  const double gamma = p.omega_m * h * std::exp(-p.omega_b * (1.0 + std::sqrt(2.0 * h) / p.omega_m));
  const double q = k / gamma;
  const double x = 2.34 * q;
  const double log_term = x < 1e-8 ? 1.0 : std::log1p(x) / x;
  const double poly = 1.0 + 3.89 * q + std::pow(16.1 * q, 2) + std::pow(5.46 * q, 3) + std::pow(6.71 * q, 4);
  return log_term * std::pow(poly, -0.25);
}

double tophat_window(double x) {
  if (std::abs(x) < 1e-3) return 1.0 - x * x / 10.0;  // series: avoids cancellation
  return 3.0 * (std::sin(x) - x * std::cos(x)) / (x * x * x);
}

LinearPower::LinearPower(const Parameters& p, TransferFunction transfer) : p_(p), transfer_(transfer) {
  require_physical(p);
  amplitude_ = 1.0;
  const double s8 = sigma(8.0);
  amplitude_ = p.sigma_8 * p.sigma_8 / (s8 * s8);
}

double LinearPower::shape(double k) const {
  const double t = transfer_ == TransferFunction::bbks ? transfer_bbks(k, p_) : transfer_eisenstein_hu(k, p_);
  return std::pow(k, p_.n_s) * t * t;
}

double LinearPower::operator()(double k) const { return k > 0.0 ? amplitude_ * shape(k) : 0.0; }

double LinearPower::sigma(double radius) const {
  // In ln k: σ² = 1/(2π²) ∫ k³ P(k) W²(kR) d ln k. The range covers the
  // spectrum's peak and the window's decay (W² < 1e-10 at the top).
  const double lo = std::log(1e-5), hi = std::log(200.0 / radius);
  const auto integrand = [&](double lnk) {
    const double k = std::exp(lnk);
    const double w = tophat_window(k * radius);
    return k * k * k * (*this)(k)*w * w;
  };
  return std::sqrt(simpson(integrand, lo, hi, 20000) / (2.0 * kPi * kPi));
}

double omega_m_at(double z, double omega_m) {
  const double a = 1.0 / (1.0 + z);
  const double e = hubble_rate(a, omega_m);
  return omega_m / (a * a * a * e * e);
}

double growth_factor(double z, double omega_m) {
  if (!(omega_m > 0.0 && omega_m <= 1.0)) throw std::invalid_argument("Omega_m must lie in (0, 1]");
  if (!(z > -1.0)) throw std::invalid_argument("the redshift must exceed -1");
  return growth_integral(1.0 / (1.0 + z), omega_m) / growth_integral(1.0, omega_m);
}

double second_order_growth(double z, double omega_m) {
  const double d1 = growth_factor(z, omega_m);
  return -3.0 / 7.0 * d1 * d1 * std::pow(omega_m_at(z, omega_m), -1.0 / 143.0);
}

}  // namespace nv::cosmology
