"""Client-server: a pvpython client drives NetworkActivations and NetworkAttribution
on a 2-rank pvserver (run_client_server.sh starts it).

The model is trained on the server ranks (distributed), the layer list comes
from the server through the LayerNames information property, and the
results fetched from the server's ranks are checked against the PyTorch
oracle on the client: the activations (a layer with local reach) are split
over both ranks, each computed on its own piece plus a halo, while Grad-CAM
(a whole-sample quantity) is computed whole on rank 0, rank 1 holding an
empty piece.
"""

import os
import tempfile

import inspect_support
import numpy
import nvtest
from inspect_support import oracle, raw_field
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

ranks = nvtest.connect_to_test_server(globals(), ranks=2)  # plugin on the client and the server
import neuralview  # noqa: E402  (embedded in the plugin)


work = tempfile.mkdtemp(prefix="nv-inspect-cs-")  # client and server share this machine's /tmp
model = inspect_support.count_classifier(work, epochs=1)
names = neuralview.layer_names(model)
check(names[:3] == ["conv1", "bn1", "relu1"] and names[-1] == "logits", "layer names from the server: %s" % names)

source = GaussianBlobs(Dimensions=[24, 24, 1], Seed=8, NumberOfBlobs=1, BlobRadius=0.15)
native = neuralview.activations(source, model, layer="maxpool1", resolution="native")
cam = neuralview.attribution(source, model, method="gradcam", target=1)
pieces = {name: [servermanager.Fetch(proxy, rank) for rank in range(ranks)]
          for name, proxy in (("native", native), ("gradcam", cam))}
# The 12 x 12 native grid split in two pieces that share their boundary line.
native_counts = [p.GetNumberOfPoints() for p in pieces["native"]]
check(min(native_counts) > 0 and 144 < sum(native_counts) <= 144 + 24, "native pieces hold %s points" % native_counts)
check(pieces["gradcam"][0].GetNumberOfPoints() == 576 and pieces["gradcam"][1].GetNumberOfPoints() == 0,
      "Grad-CAM pieces hold %s points" % [p.GetNumberOfPoints() for p in pieces["gradcam"]])

whole = pieces["gradcam"][0]
expected = oracle(model, raw_field(whole), [
    {"name": "pool", "kind": "activation", "tensor": "maxpool1"},
    {"name": "cam", "kind": "gradcam", "channel": 1, "layer": "relu2", "resize": [24, 24]}])
# Tolerances as in the one-process tests (float32 engine vs float64 torch).
pool = numpy.full((16, 12, 12), numpy.nan)
for piece in pieces["native"]:
    e = piece.GetExtent()
    for c in range(16):
        pool[c, e[2]:e[3] + 1, e[0]:e[1] + 1] = nvtest.point_array(piece, "maxpool1_%d" % c).reshape(
            e[3] - e[2] + 1, e[1] - e[0] + 1)
check(not numpy.isnan(pool).any(), "the native pieces leave values uncovered")
check_close(pool, expected["pool"], 1e-4 * max(1, abs(expected["pool"]).max()), "maxpool1 vs torch")
check_close(nvtest.point_array(whole, "Attribution").reshape(24, 24), expected["cam"],
            1e-3 * max(abs(expected["cam"]).max(), 1e-6), "Grad-CAM vs torch")

# The client renders the result delivered from the server.
view = CreateRenderView()
ColorBy(Show(cam, view), ("POINTS", "Attribution"))
Render(view)
SaveScreenshot(os.path.join(work, "client_server.png"), view, ImageResolution=[200, 200])
print("client-server NetworkActivations/NetworkAttribution: OK")
