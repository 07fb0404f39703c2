// The engine's view of a group of cooperating processes.
//
// models/ never talks to MPI_COMM_WORLD or to ParaView: callers pass an
// implementation of this interface. filters/ wraps ParaView's controller; a
// single process uses SerialCommunicator.
#pragma once

#include <cstddef>

namespace nv {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Element-wise sum over all processes, in place. Every process must call it
  // with the same count, also processes that hold no data.
  virtual void allreduce_sum(double* values, size_t count) = 0;
  virtual void allreduce_sum(float* values, size_t count) = 0;
  // Element-wise maximum over all processes, in place.
  virtual void allreduce_max(double* values, size_t count) = 0;
  // Copies root's values to every process.
  virtual void broadcast(float* values, size_t count, int root) = 0;
};

class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(double*, size_t) override {}
  void allreduce_sum(float*, size_t) override {}
  void allreduce_max(double*, size_t) override {}
  void broadcast(float*, size_t, int) override {}
};

}  // namespace nv
