"""Wall time and peak memory of NetworkActivations per piece (not a ctest test).

    mpirun -np P pvbatch --symmetric bench_inspection_pieces.py MODEL.onnx LAYER SIDE [input|native] [TILE_SIZE]

Generates a SIDE x SIDE GaussianBlobs field (split over the P ranks by the
pipeline), updates it first, then times NetworkActivations of LAYER (best
of 3 updates after the first, each after a Modified()). Prints the slowest
rank's own update time (without waiting for the others), the CPU time summed
over the ranks, and the largest peak resident memory over the ranks.
"""

import os
import resource
import sys
import time

from mpi4py import MPI
from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
import nvtest  # noqa: E402

nvtest.load_plugin(globals())
import neuralview  # noqa: E402

comm = MPI.COMM_WORLD
model, layer, side = sys.argv[1], sys.argv[2], int(sys.argv[3])
resolution = sys.argv[4] if len(sys.argv) > 4 else "input"
tile_size = int(sys.argv[5]) if len(sys.argv) > 5 else 0
field = GaussianBlobs(Dimensions=[side, side, 1], Seed=29, NumberOfBlobs=8)
field.UpdatePipeline()
proxy = neuralview.activations(field, model, layer=layer, resolution=resolution, TileSize=tile_size)
proxy.UpdatePipeline()  # compiles the network for this window
algorithm = proxy.GetClientSideObject()
times, cpu = [], []
for repeat in range(3):
    algorithm.Modified()
    comm.Barrier()
    start, start_cpu = time.perf_counter(), time.process_time()
    algorithm.UpdatePiece(comm.Get_rank(), comm.Get_size(), 0)
    times.append(time.perf_counter() - start)  # this rank's own update, without waiting for the others
    cpu.append(time.process_time() - start_cpu)
    comm.Barrier()
slowest = comm.reduce(min(times), op=MPI.MAX)
cpu_total = comm.reduce(min(cpu), op=MPI.SUM)
points = comm.gather(proxy.GetClientSideObject().GetOutputDataObject(0).GetNumberOfPoints())
peak = comm.reduce(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, op=MPI.MAX)
if comm.Get_rank() == 0:
    print("ranks %d side %d layer %s (%s, tiles %d): slowest rank %.3f s (best of 3), CPU %.3f s over all ranks, "
          "peak RSS %.0f MiB per rank, points per rank %s" %
          (comm.Get_size(), side, layer, resolution, tile_size, slowest, cpu_total, peak, points))
