#include "nvControllerCommunicator.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "neuralview/threads.h"

#include "vtkCommunicator.h"
#include "vtkMultiProcessController.h"

namespace nv {

ControllerCommunicator::ControllerCommunicator()
    : ControllerCommunicator(vtkMultiProcessController::GetGlobalController()) {}

ControllerCommunicator::ControllerCommunicator(vtkMultiProcessController* controller) {
  if (controller && controller->GetNumberOfProcesses() > 1) controller_ = controller;
}

int ControllerCommunicator::rank() const { return controller_ ? controller_->GetLocalProcessId() : 0; }

int ControllerCommunicator::size() const { return controller_ ? controller_->GetNumberOfProcesses() : 1; }

void ControllerCommunicator::allreduce_sum(double* values, size_t count) {
  if (!controller_ || count == 0) return;
  std::vector<double> in(values, values + count);
  controller_->AllReduce(in.data(), values, static_cast<vtkIdType>(count), vtkCommunicator::SUM_OP);
}

void ControllerCommunicator::allreduce_sum(float* values, size_t count) {
  if (!controller_ || count == 0) return;
  std::vector<float> in(values, values + count);
  controller_->AllReduce(in.data(), values, static_cast<vtkIdType>(count), vtkCommunicator::SUM_OP);
}

void ControllerCommunicator::allreduce_max(double* values, size_t count) {
  if (!controller_ || count == 0) return;
  std::vector<double> in(values, values + count);
  controller_->AllReduce(in.data(), values, static_cast<vtkIdType>(count), vtkCommunicator::MAX_OP);
}

void ControllerCommunicator::broadcast(float* values, size_t count, int root) {
  if (!controller_ || count == 0) return;
  controller_->Broadcast(values, static_cast<vtkIdType>(count), root);
}

bool all_ranks_ok(Communicator& comm, bool local_ok) {
  double failed = local_ok ? 0.0 : 1.0;
  comm.allreduce_max(&failed, 1);
  return failed == 0.0;
}

int use_default_threads_per_rank(const Communicator& comm) {
  int local = comm.size();
  for (const char* variable : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"})
    if (const char* value = std::getenv(variable)) {
      local = std::max(1, std::atoi(value));
      break;
    }
  return apply_default_thread_count(local);
}

}  // namespace nv
