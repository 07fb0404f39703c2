"""pvpython: AnomalyMap thresholds by quantile (numpy.quantile as oracle),
marks an anomaly injected into a field an autoencoder was trained without,
gives per-sample scores for blocks, and reports bad inputs.
"""

import os
import tempfile

import numpy
import nvtest
import test_embed_data as data
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
import neuralview  # noqa: E402
from neuralview import embeddings as nve  # noqa: E402
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

work = tempfile.mkdtemp(prefix="nv-anomaly-")
rng = numpy.random.default_rng(3)

# --- A given error field with a hot square: threshold = numpy.quantile, Anomaly = error > threshold.
error = rng.gamma(2.0, 0.05, (40, 50))
error[10:14, 20:24] += 2.0  # 16 pixels, fewer than the 1 % (20) above the 0.99 quantile
reader = XMLImageDataReader(FileName=data.write_image(os.path.join(work, "error.vti"), error,
                                                      ReconstructionError=error))
anomalies = nve.anomaly_map(reader, quantile=0.99)
out = servermanager.Fetch(anomalies)
expected = numpy.quantile(error.ravel(), 0.99)
check_close(nve.anomaly_threshold(anomalies), expected, 1e-12 * expected, "threshold vs numpy.quantile")
marked = nvtest.point_array(out, "Anomaly").reshape(error.shape)
check((marked == (error > expected)).all(), "Anomaly differs from error > threshold")
check(marked[10:14, 20:24].all(), "the injected square is not fully marked")
for q in (0.0, 0.5, 0.731, 1.0):  # interpolated and end quantiles
    anomalies.Quantile = q
    check_close(nve.anomaly_threshold(anomalies), numpy.quantile(error.ravel(), q), 1e-12, "quantile %g" % q)
anomalies.Quantile = 0.99
check_close(nvtest.field_array(out, "AnomalyScore"), [error.mean()], 1e-9, "per-sample score (mean error)")

# --- Two blocks: one threshold over both, one score row per block.
other = rng.gamma(2.0, 0.05, (40, 50))
second = XMLImageDataReader(FileName=data.write_image(os.path.join(work, "other.vti"), other,
                                                      ReconstructionError=other))
both = nve.anomaly_map(GroupDatasets(Input=[reader, second]), quantile=0.95)
table = servermanager.Fetch(both, idx=1)
check(table.GetNumberOfRows() == 2, "expected 2 sample rows, got %d" % table.GetNumberOfRows())
joint = numpy.quantile(numpy.concatenate([error.ravel(), other.ravel()]), 0.95)
check_close(nve.anomaly_threshold(both), joint, 1e-12, "threshold over both blocks")
check_close(vtk_to_numpy(table.GetColumnByName("MeanError")), [error.mean(), other.mean()], 1e-9, "MeanError")
check_close(vtk_to_numpy(table.GetColumnByName("AnomalousPoints")),
            [(error > joint).sum(), (other > joint).sum()], 0, "AnomalousPoints")

# --- An autoencoder trained on clean fields; a bright square injected into a new field.
count = 36
path, fields, aux, masks, classes = data.write_series(os.path.join(work, "series"), count, seed=6, side=32,
                                                      noise=0.1)
series = PVDReader(FileName=path)
model = os.path.join(work, "autoencoder.onnx")
neuralview.train(series, ["Field"], task="autoencoder", model_file=model, epochs=15, BatchSize=6, Seed=1,
                 LearningRate=0.003, Architecture="autoencoder2d", ValidationFraction=0.0)
clean, _, _, _ = data.make_samples(1, seed=77, side=32, noise=0.1)
field = clean[0].copy()
field[12:17, 6:11] = 4.0  # far outside the training fields' range (about -1.5 to 2)
square = numpy.zeros_like(field, dtype=bool)
square[12:17, 6:11] = True
target = XMLImageDataReader(FileName=data.write_image(os.path.join(work, "injected.vti"), field))
# The square and its smeared ring cover about 8 % of the field: threshold at the 0.95 quantile.
from_model = nve.anomaly_map(target, model_file=model, quantile=0.95)
out = servermanager.Fetch(from_model)
computed = nvtest.point_array(out, "ReconstructionError")
applied = servermanager.Fetch(neuralview.apply(target, model))
check_close(computed, nvtest.point_array(applied, "ReconstructionError"), 1e-5 * computed.max(),
            "error computed here vs ApplyNetwork's")
marked = nvtest.point_array(out, "Anomaly").reshape(field.shape).astype(bool)
# Allow the edge ring of the square: reconstruction smears the anomaly by a pixel or two.
near = numpy.zeros_like(square)
near[10:19, 4:13] = True
precision = (marked & near).sum() / max(marked.sum(), 1)
recall = (marked & square).sum() / square.sum()
print("injected anomaly: %d marked, precision %.2f (within 2 px), recall %.2f" % (marked.sum(), precision, recall))
check(precision >= 0.8, "only %.2f of the marked pixels are at the injected anomaly" % precision)
check(recall >= 0.6, "only %.2f of the injected square is marked" % recall)


# --- Bad inputs.
def expect_error(proxy, words):
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    proxy.UpdatePipeline()
    text = " ".join(catcher.messages)
    check(catcher.messages and all(w in text for w in words), "expected an error naming %s, got %r" % (words, text))


expect_error(AnomalyMap(Input=target), ["ReconstructionError", "Apply Network"])
bad_quantile = AnomalyMap(Input=reader)
bad_quantile.Quantile = 1.5
expect_error(bad_quantile, ["Quantile"])
classifier = os.path.join(work, "classifier.onnx")
neuralview.train(series, ["Field"], label="Class", task="classification", model_file=classifier, epochs=1,
                 Architecture="classifier-small")
expect_error(AnomalyMap(Input=target, ModelFile=classifier), ["classification", "autoencoder"])
print("AnomalyMap OK")
