"""TrainNetwork stops cleanly on TimeLimit and on abort, keeping the best model so far.

- TimeLimit: 10,000 epochs with a 4 s limit end after a few epochs; the
  history holds only the epochs run, a model is written, and it applies.
- Abort: a progress observer aborts the filter after the first epoch's
  progress; training stops within that epoch or the next, the history holds
  at least the completed epochs, and the best model so far is written.
"""

import os
import tempfile
import time

import nvtest
from nvtest import check
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
work = tempfile.mkdtemp(prefix="nv_stop_")
blobs = GaussianBlobs(Dimensions=[32, 32, 1], NumberOfTimeSteps=8, Seed=2, NumberOfBlobs=3)


def trainer_for(name, **settings):
    return TrainNetwork(Input=blobs, InputArrays=["Intensity"], LabelArray="BlobLabel", Architecture="segnet-small",
                        BatchSize=4, ValidationFraction=0.25, Seed=1, ModelFile=os.path.join(work, name),
                        **settings)


# --- TimeLimit.
limited = trainer_for("limited.onnx", Epochs=10000, TimeLimit=4.0)
catcher = nvtest.ErrorCatcher(limited.GetClientSideObject())
start = time.perf_counter()
limited.UpdatePipeline()
elapsed = time.perf_counter() - start
history = limited.GetClientSideObject().GetOutputDataObject(0)
epochs = history.GetNumberOfRows()
print("TimeLimit 4 s: %d epochs in %.1f s" % (epochs, elapsed))
check(not catcher.messages, "errors on a time limit: %s" % catcher.messages)
check(1 <= epochs < 10000, "%d epochs ran under a 4 s time limit" % epochs)
# The limit is polled every step: it overruns by at most one step and the
# model export (well under a minute here, even on a loaded machine).
check(elapsed < 60, "training with a 4 s limit took %.1f s" % elapsed)
check(os.path.isfile(os.path.join(work, "limited.onnx")), "no model after the time limit")
applied = ApplyNetwork(Input=blobs, ModelFile=os.path.join(work, "limited.onnx"))
applied.UpdatePipeline()
check(servermanager.Fetch(applied).GetPointData().GetArray("Prediction") is not None, "the kept model does not apply")

# --- Abort from a progress observer (what the GUI's abort button does).
aborted = trainer_for("aborted.onnx", Epochs=10000)
algorithm = aborted.GetClientSideObject()
seen = []


def abort_after_first_epoch(caller, event):
    seen.append(caller.GetProgress())
    if caller.GetProgress() > 0.05 + 0.9 * 1.0 / 10000:  # past the first epoch's share
        caller.SetAbortExecute(1)


algorithm.AddObserver("ProgressEvent", abort_after_first_epoch)
start = time.perf_counter()
aborted.UpdatePipeline()
elapsed = time.perf_counter() - start
epochs = algorithm.GetOutputDataObject(0).GetNumberOfRows()
print("abort: %d epochs in %.1f s, %d progress events" % (epochs, elapsed, len(seen)))
check(len(seen) > 0, "no progress events during training")
check(epochs < 10, "abort did not stop training (%d epochs)" % epochs)
check(os.path.isfile(os.path.join(work, "aborted.onnx")), "no model kept after abort")
print("TimeLimit and abort: OK")
