"""pvpython: ConfusionMatrix counts against sklearn.metrics.confusion_matrix,
the clustered class order, the heat map, and bad inputs.

Five classes where 0 and 3 are often confused with each other, and 1 and 4;
class 2 is predicted well. The hierarchical order must put each confused
pair next to each other.
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

work = tempfile.mkdtemp(prefix="nv-confusion-")
rng = numpy.random.default_rng(9)
ny, nx = 50, 60
label = rng.integers(0, 5, (ny, nx))
prediction = label.copy()
partner = {0: 3, 3: 0, 1: 4, 4: 1}
for cls, other in partner.items():
    where = (label == cls) & (rng.random((ny, nx)) < 0.35)  # 35 % confused with the partner
    prediction[where] = other
noise = rng.random((ny, nx)) < 0.04  # a few errors anywhere
prediction[noise] = rng.integers(0, 5, noise.sum())
label[0, :5] = -1  # an ignore label: left out
path = data.write_image(os.path.join(work, "labels.vti"), rng.random((ny, nx)), Label=label.astype(numpy.int32),
                        Prediction=prediction.astype(numpy.int32))
reader = XMLImageDataReader(FileName=path)
names_given = ["sea", "land", "ice", "lake", "snow"]
matrix_filter = neuralview.confusion_matrix(reader, class_names=names_given)
names, ids, counts = nve.confusion(matrix_filter)

ORACLE = """
import json, sys, numpy
from sklearn.metrics import confusion_matrix
p = json.load(sys.stdin)
print(json.dumps(confusion_matrix(p["y"], p["p"], labels=list(range(5))).tolist()))
"""
keep = label.ravel() >= 0
reference = numpy.array(data.oracle(ORACLE, {"y": label.ravel()[keep].tolist(), "p": prediction.ravel()[keep].tolist()}))
order = numpy.array(ids)
check(sorted(ids) == list(range(5)), "ClassId is not a permutation: %s" % ids)
check(names == [names_given[i] for i in ids], "class names do not follow the order: %s" % names)
check((counts == reference[numpy.ix_(order, order)]).all(), "counts differ from scikit-learn:\n%s\n%s" %
      (counts, reference[numpy.ix_(order, order)]))
position = {cls: k for k, cls in enumerate(ids)}
check(abs(position[0] - position[3]) == 1, "confused classes 0 and 3 are not adjacent in %s" % ids)
check(abs(position[1] - position[4]) == 1, "confused classes 1 and 4 are not adjacent in %s" % ids)
print("class order %s (names %s)" % (ids, names))

# Reorder off keeps the class ids' order.
matrix_filter.Reorder = 0
_, plain_ids, plain = nve.confusion(matrix_filter)
check(plain_ids == list(range(5)) and (plain == reference).all(), "Reorder=0 must give sklearn's matrix as is")
matrix_filter.Reorder = 1

# The heat map: 5 x 5 cells, predicted along x, true from the top, RowFraction = row-normalised counts.
heat = servermanager.Fetch(matrix_filter, idx=1)
check(heat.GetNumberOfCells() == 25, "heat map has %d cells" % heat.GetNumberOfCells())
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

fraction = vtk_to_numpy(heat.GetCellData().GetArray("RowFraction")).reshape(5, 5)
normalised = reference / reference.sum(axis=1, keepdims=True)
# Row y of cells is the true class order[4 - y]; column x the predicted class order[x].
expected = normalised[numpy.ix_(order[::-1], order)]
check_close(fraction, expected, 1e-12, "RowFraction")
check(heat.GetCellData().GetScalars().GetName() == "RowFraction", "RowFraction is not the active scalar")

# Per-sample (field data) predictions through an embedding: Label and Prediction on points.
count = 12
series_path, fields, aux, masks, classes = data.write_series(os.path.join(work, "series"), count, seed=4)
series = PVDReader(FileName=series_path)
# The class itself as the prediction: a diagonal matrix of one count per sample.
embed = nve.embed_features(series, arrays=["Field"], label="Class", PredictionArray="Class")
per_sample = nve.confusion_matrix(embed)
_, ids2, counts2 = nve.confusion(per_sample)
check(numpy.trace(counts2) == count and counts2.sum() == count, "per-sample confusion %s" % counts2)


# --- Bad inputs.
def expect_error(proxy, words):
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    proxy.UpdatePipeline()
    text = " ".join(catcher.messages)
    check(catcher.messages and all(w in text for w in words), "expected an error naming %s, got %r" % (words, text))


expect_error(ConfusionMatrix(Input=reader, PredictionArray="Nope"), ["Nope"])
expect_error(ConfusionMatrix(Input=reader, LabelArray="Field"), ["integer"])
print("ConfusionMatrix OK")
