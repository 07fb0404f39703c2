"""pvpython: EmbedFeatures on generated samples whose classes are known.

- per-sample features of a trained classifier's bottleneck separate the
  classes in t-SNE and UMAP embeddings (leave-one-out 5-NN accuracy);
- PCA of raw per-sample and per-pixel features equals scikit-learn's PCA on
  the same vectors, extracted here with numpy (up to the sign of each axis);
- SampleIndex / PointIndex / GlobalIds / Label map every point back to its
  source values; per-patch rows sit at the patch centres;
- bad inputs give errors naming the problem.
"""

import os
import tempfile
import time

import numpy
import nvtest
import test_embed_data as data
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
import neuralview  # noqa: E402

started = time.time()
work = tempfile.mkdtemp(prefix="nv-embed-")
count = 45
path, fields, aux, masks, classes = data.write_series(work, count, seed=1)
series = PVDReader(FileName=path)

PCA_ORACLE = """
import json, sys, numpy
from sklearn.decomposition import PCA
p = json.load(sys.stdin)
pca = PCA(n_components=p["k"]).fit(numpy.array(p["x"]))
print(json.dumps({"y": pca.transform(numpy.array(p["x"])).tolist(), "ratio": pca.explained_variance_ratio_.tolist()}))
"""


def points_of(output):
    return numpy.array([output.GetPoint(i) for i in range(output.GetNumberOfPoints())])



def float32(x):
    # The filter reads arrays as float32 channels; the oracle sees the same values.
    return numpy.asarray(x, numpy.float32).astype(numpy.float64)


# --- PCA of per-sample raw features (every pixel of the sample) vs scikit-learn.
embed = neuralview.embed_features(series, arrays=["Field"], label="Class", method="PCA")
out = servermanager.Fetch(embed)
check(out.GetNumberOfPoints() == count, "expected %d points, got %d" % (count, out.GetNumberOfPoints()))
check(out.GetNumberOfVerts() == count, "one vertex cell per point expected")
sample = nvtest.point_array(out, "SampleIndex")
check(sorted(sample.tolist()) == list(range(count)), "SampleIndex is not the time index: %s" % sample)
check((nvtest.point_array(out, "PointIndex") == -1).all(), "PointIndex must be -1 per sample")
check((nvtest.point_array(out, "GlobalIds") == sample).all(), "per-sample GlobalIds are the sample index")
check(out.GetPointData().GetGlobalIds() is not None, "GlobalIds is not the global-ids attribute")
check((nvtest.point_array(out, "Label") == classes[sample]).all(), "Label does not follow the samples")
X = float32(fields.reshape(count, -1))[sample]
reference = data.oracle(PCA_ORACLE, {"x": X.tolist(), "k": 2})
# float64 PCA of the same float32 data: both sides agree to rounding (1e-9 of values of order 10).
nvtest.check_close_up_to_sign(points_of(out)[:, :2], numpy.array(reference["y"]), 1e-7, "per-sample PCA")
check_close(points_of(out)[:, 2], numpy.zeros(count), 0.0, "z of a 2-D embedding")
check_close(nvtest.field_array(out, "ExplainedVarianceRatio"), reference["ratio"], 1e-9, "explained variance ratio")

# --- Per-pixel features [Field, Aux], a seeded subset of 500 pixels; arrays map back to the source.
pixels = neuralview.embed_features(series, arrays=["Field", "Aux"], label="Mask", granularity="PerPixel",
                                   method="PCA", MaxPoints=500, Seed=3)
out = servermanager.Fetch(pixels)
check(out.GetNumberOfPoints() == 500, "MaxPoints=500 gave %d points" % out.GetNumberOfPoints())
s = nvtest.point_array(out, "SampleIndex")
p = nvtest.point_array(out, "PointIndex")
ids = nvtest.point_array(out, "GlobalIds")
side2 = data.SIDE * data.SIDE
check((ids == s * side2 + p).all(), "GlobalIds != SampleIndex * pixels + PointIndex")
check(len(set(ids.tolist())) == 500, "GlobalIds are not unique")
check(len(set(s.tolist())) > count // 2, "the subset covers only %d samples" % len(set(s.tolist())))
check((nvtest.point_array(out, "Label") == masks.reshape(count, -1)[s, p]).all(), "Label at (SampleIndex, PointIndex)")
X = numpy.stack([float32(fields.reshape(count, -1)[s, p]), float32(aux.reshape(count, -1)[s, p])], axis=1)
reference = data.oracle(PCA_ORACLE, {"x": X.tolist(), "k": 2})
nvtest.check_close_up_to_sign(points_of(out)[:, :2], numpy.array(reference["y"]), 1e-7, "per-pixel PCA")
# The same seed gives the same subset; another seed another one.
pixels.Seed = 4
other = nvtest.point_array(servermanager.Fetch(pixels), "GlobalIds")
check(set(other.tolist()) != set(ids.tolist()), "Seed does not change the subset")

# --- Per patch: 4 x 4 patches, one row each, at the patch centres.
patches = neuralview.embed_features(series, arrays=["Field"], granularity="PerPatch", PatchSize=4, MaxPoints=0)
out = servermanager.Fetch(patches)
check(out.GetNumberOfPoints() == count * 16, "expected 16 patches per sample, got %d" % out.GetNumberOfPoints())
centres = sorted({(4 * a + 2) + data.SIDE * (4 * b + 2) for a in range(4) for b in range(4)})
check(sorted(set(nvtest.point_array(out, "PointIndex").tolist())) == centres, "patch rows are not at the centres")

print("raw features checked after %.1f s" % (time.time() - started))
# --- A trained classifier's bottleneck separates the classes (t-SNE and UMAP).
model = os.path.join(work, "classes.onnx")
neuralview.train(series, ["Field"], label="Class", task="classification", model_file=model, epochs=12,
                 BatchSize=8, Seed=2, LearningRate=0.003, Architecture="classifier-small", ValidationFraction=0.0)
print("trained after %.1f s" % (time.time() - started))
learned = neuralview.embed_features(series, model_file=model, label="Class", method="TSNE", Perplexity=10, Seed=1)
out = servermanager.Fetch(learned)
layer = out.GetFieldData().GetAbstractArray("Layer").GetValue(0)
check(layer != "", "no default layer chosen")
labels = nvtest.point_array(out, "Label")
prediction = nvtest.point_array(out, "Prediction")
train_accuracy = float(numpy.mean(prediction == labels))
check(train_accuracy >= 0.9, "the classifier's own predictions are only %.2f accurate" % train_accuracy)
error = nvtest.point_array(out, "Error")
check_close(error, (prediction != labels).astype(float), 0.0, "Error = prediction differs from label")
# Three classes, 15 samples each: 5-NN accuracy 1/3 by chance; a separating embedding scores near 1.
tsne_knn = data.knn_accuracy(points_of(out)[:, :2], labels)
check(tsne_knn >= 0.9, "t-SNE of layer %s: 5-NN accuracy %.2f < 0.9" % (layer, tsne_knn))
print("t-SNE after %.1f s" % (time.time() - started))
learned.Method = "UMAP"
learned.Neighbors = 10
out = servermanager.Fetch(learned)
umap_knn = data.knn_accuracy(points_of(out)[:, :2], nvtest.point_array(out, "Label"))
check(umap_knn >= 0.9, "UMAP 5-NN accuracy %.2f < 0.9" % umap_knn)
learned.Dimensions = 3
out = servermanager.Fetch(learned)
check(numpy.ptp(points_of(out)[:, 2]) > 0, "3-D embedding has a flat z")
print("layer %s: t-SNE 5-NN %.3f, UMAP 5-NN %.3f, training accuracy %.3f" % (layer, tsne_knn, umap_knn,
                                                                             train_accuracy))


# --- Bad inputs.
def expect_error(proxy, words):
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    proxy.UpdatePipeline()
    text = " ".join(catcher.messages)
    check(catcher.messages and all(w in text for w in words), "expected an error naming %s, got %r" % (words, text))


nothing = EmbedFeatures(Input=series)
nothing.FeatureArrays = []  # the GUI's default selects every array
expect_error(nothing, ["ModelFile", "FeatureArrays"])
expect_error(EmbedFeatures(Input=series, FeatureArrays=["Nope"]), ["Nope"])
expect_error(EmbedFeatures(Input=series, ModelFile=os.path.join(work, "missing.onnx")), ["missing.onnx"])
expect_error(EmbedFeatures(Input=series, ModelFile=model, Layer="no_such_tensor"), ["no_such_tensor"])
expect_error(EmbedFeatures(Input=series, ModelFile=model, Layer=layer, Granularity="PerPixel"), ["PerSample"])
print("EmbedFeatures OK in %.1f s" % (time.time() - started))
