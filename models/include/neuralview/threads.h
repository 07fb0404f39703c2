// How many OpenMP threads one process uses when several share a machine.
#pragma once

namespace nv {

// Sets the OpenMP thread count of this process to cores / processes_on_node
// (at least 1), so that P ranks on one node do not oversubscribe its cores,
// unless the user chose a count with OMP_NUM_THREADS, which always wins.
// Returns the thread count in effect afterwards.
int apply_default_thread_count(int processes_on_node);

}  // namespace nv
