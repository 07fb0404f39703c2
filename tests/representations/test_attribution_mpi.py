"""mpirun -np 2 pvbatch --symmetric: NetworkActivations and NetworkAttribution
in a distributed pipeline.

Inspection needs whole samples, so the filters compute the whole field on
rank 0 and leave rank 1 an empty piece. Checked: no error and no hang (also
while rendering the empty piece), rank 0 holds the whole field, and its
values equal the PyTorch oracle on that field, as in the one-process tests.
"""

import os
import tempfile

import inspect_support
import numpy
import nvtest
from inspect_support import oracle, raw_field
from mpi4py import MPI
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
import neuralview  # noqa: E402  (embedded in the plugin)

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
check(size == 2, "expected 2 ranks, got %d" % size)
work = comm.bcast(tempfile.mkdtemp(prefix="nv-inspect-mpi-") if rank == 0 else None)

# Distributed training (each rank its time steps); rank 0 writes the model.
model = inspect_support.count_classifier(work, epochs=1, check_written=False)
comm.Barrier()
check(os.path.isfile(model), "rank %d: no model file" % rank)

source = GaussianBlobs(Dimensions=[24, 24, 1], Seed=8, NumberOfBlobs=1, BlobRadius=0.15)
native = neuralview.activations(source, model, layer="maxpool1", resolution="native")
on_input = neuralview.activations(source, model, layer="relu2")
saliency = neuralview.attribution(source, model, method="saliency", target=1)
cam = neuralview.attribution(source, model, method="gradcam", target=1)
outputs = {}
for name, proxy in (("native", native), ("input", on_input), ("saliency", saliency), ("gradcam", cam)):
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    proxy.UpdatePipeline()
    check(not catcher.messages, "rank %d %s: %s" % (rank, name, catcher.messages))
    outputs[name] = proxy.GetClientSideObject().GetOutputDataObject(0)

points = {name: out.GetNumberOfPoints() for name, out in outputs.items()}
expected_points = {"native": 144, "input": 576, "saliency": 576, "gradcam": 576} if rank == 0 else \
    dict.fromkeys(outputs, 0)
check(points == expected_points, "rank %d holds %s, expected %s" % (rank, points, expected_points))

# Rendering the distributed result (rank 1's piece is empty) must not hang.
view = CreateRenderView()
for name in ("native", "saliency"):
    display = Show(native if name == "native" else saliency, view)
    ColorBy(display, ("POINTS", "maxpool1_0" if name == "native" else "Attribution"))
Render(view)
SaveScreenshot(os.path.join(work, "mpi_rank%d.png" % rank), view, ImageResolution=[200, 200])

if rank == 0:
    field = raw_field(outputs["saliency"])
    expected = oracle(model, field, [
        {"name": "pool", "kind": "activation", "tensor": "maxpool1"},
        {"name": "relu2", "kind": "activation", "tensor": "relu2", "resize": [24, 24]},
        {"name": "saliency", "kind": "saliency", "channel": 1},
        {"name": "cam", "kind": "gradcam", "channel": 1, "layer": "relu2", "resize": [24, 24]}])
    # Tolerances as in the one-process tests (float32 engine vs float64 torch).
    pool = numpy.stack([nvtest.point_array(outputs["native"], "maxpool1_%d" % c).reshape(12, 12) for c in range(16)])
    check_close(pool, expected["pool"], 1e-4 * max(1, abs(expected["pool"]).max()), "maxpool1 vs torch")
    relu2 = numpy.stack([nvtest.point_array(outputs["input"], "relu2_%d" % c).reshape(24, 24) for c in range(32)])
    check_close(relu2, expected["relu2"], 1e-4 * max(1, abs(expected["relu2"]).max()), "relu2 vs torch")
    s = nvtest.point_array(outputs["saliency"], "Attribution").reshape(24, 24)
    check_close(s, expected["saliency"][0], 1e-3 * abs(expected["saliency"]).max(), "saliency vs torch")
    c = nvtest.point_array(outputs["gradcam"], "Attribution").reshape(24, 24)
    check_close(c, expected["cam"], 1e-3 * max(abs(expected["cam"]).max(), 1e-6), "Grad-CAM vs torch")
comm.Barrier()
print("rank %d: distributed NetworkActivations/NetworkAttribution OK" % rank)
