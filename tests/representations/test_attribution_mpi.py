"""mpirun -np 2 pvbatch --symmetric: NetworkActivations and NetworkAttribution
in a distributed pipeline.

NetworkActivations of a layer with local reach (here maxpool1 on its native
grid and relu2 at input resolution) runs on every rank's own piece plus a
halo; attribution needs whole samples (the score is a function of the whole
field), so NetworkAttribution computes the whole field on rank 0 and leaves
rank 1 an empty piece. Checked: no error and no hang (also while rendering
the empty piece), both ranks hold activation pieces that together cover the
field, rank 0 holds the whole attribution, and the values (the activation
pieces assembled on rank 0) equal the PyTorch oracle on that field, as in
the one-process tests.
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
check(points["saliency"] == (576 if rank == 0 else 0) and points["gradcam"] == points["saliency"],
      "rank %d holds attribution pieces of %s points" % (rank, points))
# Activation pieces: 12 x 12 native values and 24 x 24 input points split in two, the
# pieces sharing their boundary line as point pieces do.
for name, side in (("native", 12), ("input", 24)):
    counts = comm.allgather(points[name])
    check(min(counts) > 0 and side * side < sum(counts) <= side * side + 2 * side,
          "%s activation pieces hold %s points of %d" % (name, counts, side * side))


def assembled(output, array_names, side):
    """The whole (channels, side, side) map from both ranks' pieces, on rank 0 (None elsewhere)."""
    extent = output.GetExtent()
    values = [nvtest.point_array(output, n).reshape(extent[3] - extent[2] + 1, extent[1] - extent[0] + 1)
              for n in array_names]
    pieces = comm.gather((extent, values))
    if rank != 0:
        return None
    whole = numpy.full((len(array_names), side, side), numpy.nan)
    for e, piece in pieces:
        whole[:, e[2]:e[3] + 1, e[0]:e[1] + 1] = piece
    check(not numpy.isnan(whole).any(), "the pieces %s leave values uncovered" % [e for e, _ in pieces])
    return whole


pool = assembled(outputs["native"], ["maxpool1_%d" % c for c in range(16)], 12)
relu2 = assembled(outputs["input"], ["relu2_%d" % c for c in range(32)], 24)

# Rendering the distributed result (rank 1's attribution piece is empty) must not hang.
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
    check_close(pool, expected["pool"], 1e-4 * max(1, abs(expected["pool"]).max()), "maxpool1 vs torch")
    check_close(relu2, expected["relu2"], 1e-4 * max(1, abs(expected["relu2"]).max()), "relu2 vs torch")
    s = nvtest.point_array(outputs["saliency"], "Attribution").reshape(24, 24)
    check_close(s, expected["saliency"][0], 1e-3 * abs(expected["saliency"]).max(), "saliency vs torch")
    c = nvtest.point_array(outputs["gradcam"], "Attribution").reshape(24, 24)
    check_close(c, expected["cam"], 1e-3 * max(abs(expected["cam"]).max(), 1e-6), "Grad-CAM vs torch")
comm.Barrier()
print("rank %d: distributed NetworkActivations/NetworkAttribution OK" % rank)
