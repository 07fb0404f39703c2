/* Peak f32 rate of one core, measured: independent 8-wide AVX2 FMA chains.
 *
 * Twelve accumulators cover the FMA latency (4-5 cycles) times the number of
 * FMA pipes (2 on Zen), so the loop is throughput-bound. The rate is per
 * CPU-second of this process (CLOCK_PROCESS_CPUTIME_ID), so other load on a
 * shared machine does not lower it. Built by tests/engine/benchmark.py with
 * `cc -O2 -mavx2 -mfma`. Prints "gflops_per_core <value>" last. */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 12 FMAs of 8 lanes per iteration: 192 FLOP. */
static float run(long iterations) {
  __m256 acc[12];
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps((float)i);
  for (long n = 0; n < iterations; ++n) {
    /* Written out so the compiler keeps twelve independent registers. */
    acc[0] = _mm256_fmadd_ps(acc[0], a, b);
    acc[1] = _mm256_fmadd_ps(acc[1], a, b);
    acc[2] = _mm256_fmadd_ps(acc[2], a, b);
    acc[3] = _mm256_fmadd_ps(acc[3], a, b);
    acc[4] = _mm256_fmadd_ps(acc[4], a, b);
    acc[5] = _mm256_fmadd_ps(acc[5], a, b);
    acc[6] = _mm256_fmadd_ps(acc[6], a, b);
    acc[7] = _mm256_fmadd_ps(acc[7], a, b);
    acc[8] = _mm256_fmadd_ps(acc[8], a, b);
    acc[9] = _mm256_fmadd_ps(acc[9], a, b);
    acc[10] = _mm256_fmadd_ps(acc[10], a, b);
    acc[11] = _mm256_fmadd_ps(acc[11], a, b);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm256_add_ps(sum, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0] + lanes[7];
}

int main(void) {
  const long iterations = 50000000; /* about 0.1-0.2 s per repetition */
  double best = 0.0;
  float sink = 0.0f;
  for (int rep = 0; rep < 7; ++rep) {
    const double start = cpu_seconds();
    sink += run(iterations);
    const double seconds = cpu_seconds() - start;
    const double rate = 192.0 * (double)iterations / seconds * 1e-9;
    if (rate > best) best = rate;
  }
  printf("checksum %g\n", (double)sink); /* keeps the loop alive */
  printf("flop_per_cycle_avx2_fma 32\n");
  printf("implied_clock_ghz %.3f\n", best / 32.0);
  printf("gflops_per_core %.2f\n", best);
  return 0;
}
