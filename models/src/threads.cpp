#include "neuralview/threads.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>

namespace nv {

int apply_default_thread_count(int processes_on_node) {
  const char* chosen = std::getenv("OMP_NUM_THREADS");
  if (chosen && *chosen) return omp_get_max_threads();
  const int threads = std::max(1, omp_get_num_procs() / std::max(1, processes_on_node));
  omp_set_num_threads(threads);
  return threads;
}

}  // namespace nv
