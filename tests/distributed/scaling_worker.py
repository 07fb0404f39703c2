"""One measurement of bench_scaling.py, run by it under mpirun with pvbatch --symmetric.

    pvbatch --symmetric scaling_worker.py MODE SAMPLES_OR_SIDE RESULT.json

train: TrainNetwork on SAMPLES time steps of 64x64 blobs (segnet-small, 8
samples per rank in each global batch), two epochs; reports training samples/s
of the second epoch (the first includes the network's compilation).
infer: ApplyNetwork on one SIDE x SIDE field split over the ranks; reports
points/s of the second application (the first loads and compiles the model).
"""

import json
import os
import sys
import time

from mpi4py import MPI
sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
import nvtest  # noqa: E402
from paraview.simple import *  # noqa: F401,F403,E402

comm = MPI.COMM_WORLD
nvtest.load_plugin(globals())
mode, amount, result_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
work = os.path.dirname(os.path.abspath(result_file))
model = os.path.join(work, "scaling_model.onnx")
result = {"mode": mode, "ranks": comm.Get_size(), "threads_per_rank": int(os.environ.get("OMP_NUM_THREADS", "0"))}

if mode == "train":
    series = GaussianBlobs(Dimensions=[64, 64, 1], NumberOfTimeSteps=amount, Seed=3, NumberOfBlobs=4)
    trainer = TrainNetwork(Input=series, InputArrays=["Intensity"], LabelArray="BlobLabel",
                           Architecture="segnet-small", Epochs=2, BatchSize=8 * comm.Get_size(), Seed=1,
                           ValidationFraction=0.0, ModelFile=model)
    trainer.UpdatePipeline()
    history = trainer.GetClientSideObject().GetOutputDataObject(0)
    seconds = history.GetColumnByName("Seconds").GetValue(history.GetNumberOfRows() - 1)
    result.update(samples=amount, seconds=seconds, samples_per_second=amount / seconds)
else:
    field = GaussianBlobs(Dimensions=[amount, amount, 1], Seed=7, NumberOfBlobs=20)
    applied = ApplyNetwork(Input=field, ModelFile=model)
    applied.UpdatePipeline()
    # Re-run ApplyNetwork alone (not the source) with its model loaded and
    # compiled: a tile size larger than the field still runs it whole.
    applied.TileSize = 1 << 20
    comm.Barrier()
    start = time.perf_counter()
    applied.UpdatePipeline()
    comm.Barrier()
    seconds = time.perf_counter() - start
    result.update(points=amount * amount, seconds=seconds, points_per_second=amount * amount / seconds)
if comm.Get_rank() == 0:
    json.dump(result, open(result_file, "w"))
