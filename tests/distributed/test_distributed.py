"""Data-parallel training, compared across rank counts.

    mpirun -np P pvbatch --symmetric test_distributed.py WORK_DIR

With P = 1 the script writes the reference (model weights, losses); with
P > 1 it trains the same model on P ranks, each owning a block of time steps,
and compares with the reference. Spatially decomposed inference is tested by
test_distributed_inference.py.
"""

import json
import os
import subprocess
import sys

import numpy
from mpi4py import MPI
sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
import nvtest  # noqa: E402
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
check = nvtest.check_on_all_ranks(comm)
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
here = os.path.join(nvtest.SOURCE_DIR, "tests", "distributed")
architecture = os.path.join(here, "unet_no_bn.json")

# --- Training: 12 time steps, global batch 4, no BatchNormalization (its
# batch statistics are per rank by design), shuffled, with validation.
series = GaussianBlobs(Dimensions=[32, 32, 1], NumberOfTimeSteps=12, Seed=5, NumberOfBlobs=3, BlobRadius=0.12)
model = os.path.join(work, "model_np%d.onnx" % size)
trainer = TrainNetwork(Input=series, InputArrays=["Intensity"], LabelArray="BlobLabel", Architecture=architecture,
                       Epochs=3, BatchSize=4, Seed=2, LearningRate=0.003, ValidationFraction=0.25, ModelFile=model)
catcher = nvtest.ErrorCatcher(trainer.GetClientSideObject())
trainer.UpdatePipeline()
check(not catcher.messages, "rank %d: training errors %s" % (rank, catcher.messages))
history = trainer.GetClientSideObject().GetOutputDataObject(0)
check(history.GetNumberOfRows() == 3, "rank %d: %d epochs in the history" % (rank, history.GetNumberOfRows()))
losses = [history.GetColumnByName("TrainLoss").GetValue(r) for r in range(3)]
all_losses = comm.allgather(losses)
check(all(l == all_losses[0] for l in all_losses), "ranks report different losses: %s" % all_losses)
comm.Barrier()
if rank == 0:
    check(os.path.isfile(model), "rank 0 did not write the model")
    if size > 1:
        # Weights equal to the single-rank run within float tolerance (the
        # gradient sums are reduced in a different order).
        done = subprocess.run([os.environ["NEURALVIEW_ORACLE_PYTHON"], os.path.join(here, "compare_models.py"),
                               os.path.join(work, "model_np1.onnx"), model], capture_output=True, text=True)
        print(done.stdout.strip())
        check(done.returncode == 0, "weights differ from the 1-rank run: %s %s" % (done.stdout, done.stderr))
        reference_losses = json.load(open(os.path.join(work, "losses_np1.json")))
        check(numpy.allclose(losses, reference_losses, rtol=1e-4), "losses %s vs 1 rank %s" % (losses,
                                                                                            reference_losses))
    else:
        json.dump(losses, open(os.path.join(work, "losses_np1.json"), "w"))

# A rank without any time step (2 steps on up to 3 ranks) still trains with the others.
short = GaussianBlobs(Dimensions=[16, 16, 1], NumberOfTimeSteps=2, Seed=1)
short_trainer = TrainNetwork(Input=short, InputArrays=["Intensity"], LabelArray="BlobLabel", Epochs=1, BatchSize=2,
                             ValidationFraction=0.0, Architecture=architecture,
                             ModelFile=os.path.join(work, "short_np%d.onnx" % size))
catcher = nvtest.ErrorCatcher(short_trainer.GetClientSideObject())
short_trainer.UpdatePipeline()
check(not catcher.messages, "rank %d: errors with an empty share: %s" % (rank, catcher.messages))

comm.Barrier()
print("rank %d of %d: distributed OK" % (rank, size))
