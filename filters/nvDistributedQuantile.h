// The exact q-quantile of values spread over ranks, without gathering them.
//
// numpy.quantile's default ("linear"): with the N values sorted, position
// p = q (N - 1) interpolates between the values at floor(p) and floor(p) + 1.
// Each order statistic is found by bisection on the value with counting
// reductions (each rank counts its values below a candidate), then exact
// steps over the few distinct values left: O(log) reductions of one number.
#ifndef nvDistributedQuantile_h
#define nvDistributedQuantile_h

#include <vector>

namespace nv {

class Communicator;

// Every rank calls it (also with no values). Returns NaN when no rank has a
// value. q must lie in [0, 1]. `values` is sorted in place.
double distributed_quantile(std::vector<double>& values, double q, Communicator& comm);

// The k-th smallest (0-based) of all ranks' sorted values; k < global count.
double distributed_order_statistic(const std::vector<double>& sorted, double k, Communicator& comm);

}  // namespace nv

#endif
