// Default thread count per rank: cores / ranks on the node, unless OMP_NUM_THREADS says otherwise.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>

#include "neuralview/threads.h"

namespace {

TEST(Threads, SplitsTheCoresBetweenTheProcessesOfANode) {
  unsetenv("OMP_NUM_THREADS");
  const int cores = omp_get_num_procs();
  EXPECT_EQ(nv::apply_default_thread_count(1), cores);
  EXPECT_EQ(omp_get_max_threads(), cores);
  EXPECT_EQ(nv::apply_default_thread_count(2), std::max(1, cores / 2));
  EXPECT_EQ(omp_get_max_threads(), std::max(1, cores / 2));
  // More processes than cores: still one thread each.
  EXPECT_EQ(nv::apply_default_thread_count(4 * cores), 1);
}

TEST(Threads, TheUsersChoiceWins) {
  omp_set_num_threads(3);
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(nv::apply_default_thread_count(64), 3);
  EXPECT_EQ(omp_get_max_threads(), 3);
  unsetenv("OMP_NUM_THREADS");
}

}  // namespace
