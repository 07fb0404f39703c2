// nv::Communicator over ParaView's process controller.
//
// Cross-rank reductions of the filters go through the communicator of the
// global vtkMultiProcessController (an MPI communicator under pvbatch and
// pvserver, a dummy one in a single process), never MPI_COMM_WORLD, so the
// filters follow whatever process group ParaView runs them in.
#ifndef nvControllerCommunicator_h
#define nvControllerCommunicator_h

#include <string>

#include "neuralview/communicator.h"

class vtkMultiProcessController;

namespace nv {

class ControllerCommunicator final : public Communicator {
 public:
  // Uses the global controller; a null or single-process controller makes a
  // communicator of size 1.
  ControllerCommunicator();
  explicit ControllerCommunicator(vtkMultiProcessController* controller);

  int rank() const override;
  int size() const override;
  void allreduce_sum(double* values, size_t count) override;
  void allreduce_sum(float* values, size_t count) override;
  void allreduce_max(double* values, size_t count) override;
  void broadcast(float* values, size_t count, int root) override;

 private:
  vtkMultiProcessController* controller_ = nullptr;  // not owned
};

// Agreement across ranks before any further collective: returns true when
// every rank passes `local_ok`. A rank that fails must still call this, so
// that no rank waits forever in a later reduction.
bool all_ranks_ok(Communicator& comm, bool local_ok);

// Sets this rank's OpenMP threads to cores / ranks on this node (Open MPI's
// and MPICH's local-size variables, else all ranks of the controller),
// unless OMP_NUM_THREADS is set. Returns the thread count in effect.
int use_default_threads_per_rank(const Communicator& comm);

}  // namespace nv

#endif
