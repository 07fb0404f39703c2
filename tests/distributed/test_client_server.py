"""Client-server: a pvpython client trains and applies a network on a 2-rank pvserver.

    run_client_server.sh MPIRUN PVSERVER PVPYTHON test_client_server.py WORK_DIR

Uses the references the pvbatch tests wrote in WORK_DIR (fixtures):
- TrainNetwork with the settings of test_distributed.py trains data parallel
  on the server's 2 ranks; its weights must equal the 1-rank pvbatch model,
  and the history table reaches the client;
- ApplyNetwork on a field split over the 2 server ranks: every rank's piece,
  fetched to the client, must match the whole-field 1-rank result (labels
  identical, probabilities within 1e-5);
- a missing model file gives an error on the client and the server stays usable.
"""

import os
import subprocess
import sys

import numpy
sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
import nvtest  # noqa: E402
from nvtest import check  # noqa: E402
from paraview.simple import *  # noqa: F401,F403,E402

work = sys.argv[1]
here = os.path.join(nvtest.SOURCE_DIR, "tests", "distributed")
ranks = nvtest.connect_to_test_server(globals(), ranks=2)  # plugin on the client and the server

# --- Training, same settings as test_distributed.py.
series = GaussianBlobs(Dimensions=[32, 32, 1], NumberOfTimeSteps=12, Seed=5, NumberOfBlobs=3, BlobRadius=0.12)
model = os.path.join(work, "model_client_server.onnx")
if os.path.exists(model):
    os.remove(model)
trainer = TrainNetwork(Input=series, InputArrays=["Intensity"], LabelArray="BlobLabel",
                       Architecture=os.path.join(here, "unet_no_bn.json"), Epochs=3, BatchSize=4, Seed=2,
                       LearningRate=0.003, ValidationFraction=0.25, ModelFile=model)
trainer.UpdatePipeline()
history = servermanager.Fetch(trainer)
check(history.GetNumberOfRows() == 3, "the client got %d history rows, expected 3" % history.GetNumberOfRows())
check(os.path.isfile(model), "the server did not write the model")
done = subprocess.run([os.environ.get("NEURALVIEW_ORACLE_PYTHON", "/usr/bin/python3"),
                       os.path.join(here, "compare_models.py"), os.path.join(work, "model_np1.onnx"), model],
                      capture_output=True, text=True)
print(done.stdout.strip())
check(done.returncode == 0, "weights differ from the 1-rank pvbatch run: %s %s" % (done.stdout, done.stderr))

# --- Inference on a field split over the server's ranks.
reference = numpy.load(os.path.join(work, "inference_field2d_np1.npz"))
field = GaussianBlobs(Dimensions=[61, 47, 1], Seed=29, NumberOfBlobs=4)
applied = ApplyNetwork(Input=field, ModelFile=os.path.join(work, "inference_field2d.onnx"))
applied.UpdatePipeline()
covered = 0
for rank in range(ranks):
    piece = servermanager.Fetch(applied, rank)  # rank's piece, passed through
    extent = piece.GetExtent()
    nx, ny = extent[1] - extent[0] + 1, extent[3] - extent[2] + 1
    check(0 < nx * ny < 61 * 47, "rank %d holds %d x %d points, expected a piece" % (rank, nx, ny))
    covered += nx * ny
    for name in reference.files:
        values = nvtest.point_array(piece, name).reshape(ny, nx)
        expected = reference[name][0, extent[2]:extent[3] + 1, extent[0]:extent[1] + 1]
        if name == "Prediction":
            check(numpy.array_equal(values, expected), "rank %d: labels differ from the 1-rank run" % rank)
        else:
            worst = float(numpy.abs(values - expected).max())
            check(worst <= 1e-5, "rank %d: %s differs by %.3g from the 1-rank run" % (rank, name, worst))
check(covered >= 61 * 47, "the pieces cover %d points of %d" % (covered, 61 * 47))

# --- A bad model file: an error reaches the client, and the session goes on.
# Server errors are relayed to the client's output window.
from vtkmodules.vtkCommonCore import vtkOutputWindow, vtkStringOutputWindow  # noqa: E402

messages = vtkStringOutputWindow()
vtkOutputWindow.SetInstance(messages)
broken = ApplyNetwork(Input=field, ModelFile=os.path.join(work, "no_such_model.onnx"))
broken.UpdatePipeline()
check("no_such_model" in messages.GetOutput(), "no error naming the missing model: %r" % messages.GetOutput())
check(servermanager.Fetch(applied, 0).GetNumberOfPoints() > 0, "the server is unusable after the error")
print("client-server training and inference: OK")
Disconnect()
