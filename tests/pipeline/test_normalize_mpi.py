"""mpirun -np 2 pvbatch --symmetric: every rank checks its own piece and the reduced statistics.

The oracle for the global statistics is an independent reduction with mpi4py
of each rank's raw values; the filter itself reduces through ParaView's
controller.
"""

import numpy
import nvtest
from mpi4py import MPI
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
check(size == 2, "expected 2 ranks, got %d" % size)

dims = [60, 40, 1]
blobs = GaussianBlobs(Dimensions=dims, Seed=11)
norm = NormalizeChannels(Input=blobs, InputArrays=["Intensity", "Temperature"])
norm.UpdatePipeline()

# In symmetric mode each rank's client-side objects hold its own piece.
raw = blobs.GetClientSideObject().GetOutputDataObject(0)
out = norm.GetClientSideObject().GetOutputDataObject(0)
local_points = out.GetNumberOfPoints()
check(0 < local_points < dims[0] * dims[1], "rank %d holds %d points: not a proper piece" % (rank, local_points))
counts = comm.allgather(raw.GetNumberOfPoints())
# Pieces may share a boundary layer of points; together they cover the field.
check(sum(counts) >= dims[0] * dims[1], "pieces do not cover the field: %s" % counts)

columns = [nvtest.point_array(raw, n).astype(numpy.float64) for n in ("Intensity", "Temperature")]
local = numpy.stack(columns, axis=1)
n = comm.allreduce(local.shape[0])
mean = comm.allreduce(local.sum(axis=0)) / n
var = comm.allreduce(((local - mean) ** 2).sum(axis=0)) / n
std = numpy.sqrt(var)

check_close(nvtest.field_array(out, "ChannelMean"), mean, 1e-9 * 300, "rank %d ChannelMean" % rank)
check_close(nvtest.field_array(out, "ChannelStdDev"), std, 1e-9 * 300, "rank %d ChannelStdDev" % rank)
check_close(nvtest.point_array(out, "NormalizedChannels"), (local - mean) / std, 1e-5,
            "rank %d NormalizedChannels" % rank)

# The piece alone has other statistics: the filter must not have used them.
piece_mean = local.mean(axis=0)
check(abs(piece_mean[0] - mean[0]) > 1e-6, "rank %d: piece statistics equal global ones; test is vacuous" % rank)

# The statistics table lives on rank 0 only, so gathering does not repeat rows.
table = norm.GetClientSideObject().GetOutputDataObject(1)
check(table.GetNumberOfRows() == (2 if rank == 0 else 0), "rank %d table rows %d" % (rank, table.GetNumberOfRows()))

# An empty piece on one rank: a 1x1 field gives rank 1 nothing. No hang, same result.
tiny = GaussianBlobs(Dimensions=[1, 1, 1], Seed=2)
tiny_norm = NormalizeChannels(Input=tiny, InputArrays=["Intensity"])
catcher = nvtest.ErrorCatcher(tiny_norm.GetClientSideObject())
tiny_norm.UpdatePipeline()
check(not catcher.messages, "rank %d: errors on a field with an empty piece: %s" % (rank, catcher.messages))
tiny_out = tiny_norm.GetClientSideObject().GetOutputDataObject(0)
owners = comm.allgather(tiny_out.GetNumberOfPoints())
check(sorted(owners) == [0, 1], "expected one rank with the point and one empty, got %s" % owners)
if tiny_out.GetNumberOfPoints():
    # One value: its mean is itself and its spread zero, so it is centred to 0.
    check_close(nvtest.point_array(tiny_out, "NormalizedChannels"), [0.0], 0.0, "single point")
comm.Barrier()
print("rank %d: MPI NormalizeChannels OK (%d local points)" % (rank, local_points))
