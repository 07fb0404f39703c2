#include "nvControllerCommunicator.h"

#include <vector>

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

}  // namespace nv
