"""pvpython: ClusterFeatures against scikit-learn on the same feature vectors.

- per-pixel k-means on two arrays of a field with three regions: cluster ids
  vs sklearn KMeans (adjusted Rand index >= 0.95), the Cluster array on the
  field equals the assignment of each pixel, silhouette vs sklearn's;
- per-sample k-means over a time series: field data Cluster of the step shown;
- clustering an EmbedFeatures output (DBSCAN and agglomerative on the
  embedded points) vs sklearn on the same coordinates;
- bad inputs give errors.
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

work = tempfile.mkdtemp(prefix="nv-cluster-")
ORACLE = """
import json, sys, numpy
from sklearn.cluster import KMeans, DBSCAN, AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score, silhouette_score
p = json.load(sys.stdin)
x = numpy.array(p["x"])
if p["method"] == "kmeans":
    ref = KMeans(n_clusters=p["k"], n_init=10, random_state=0).fit_predict(x)
elif p["method"] == "dbscan":
    ref = DBSCAN(eps=p["eps"], min_samples=p["min"]).fit_predict(x)
else:
    ref = AgglomerativeClustering(n_clusters=p["k"], linkage="ward").fit_predict(x)
ours = numpy.array(p["ours"])
print(json.dumps({"ari": adjusted_rand_score(ref, ours),
                  "silhouette": float(silhouette_score(x, ours)) if len(set(ours.tolist())) > 1 else None}))
"""


def float32(x):
    return numpy.asarray(x, numpy.float32).astype(numpy.float64)


# --- Per pixel: a 48 x 40 field with three regions of different (Field, Aux) means plus noise.
rng = numpy.random.default_rng(5)
ny, nx = 40, 48
y, x = numpy.mgrid[0:ny, 0:nx]
region = numpy.where(x < 16, 0, numpy.where(y < 20, 1, 2))
means = numpy.array([[0.0, 0.0], [3.0, 0.5], [1.0, 3.0]])
field = means[region, 0] + 0.4 * rng.standard_normal((ny, nx))
aux = means[region, 1] + 0.4 * rng.standard_normal((ny, nx))
reader = XMLImageDataReader(FileName=data.write_image(os.path.join(work, "regions.vti"), field, Aux=aux,
                                                      Region=region.astype(numpy.int32)))
clusters = neuralview.cluster_features(reader, method="KMeans", k=3, arrays=["Field", "Aux"], label="Region",
                                       granularity="PerPixel", MaxPoints=0, Seed=0)
rows = nve.cluster_assignments(clusters)
check(len(rows["Cluster"]) == nx * ny, "expected %d clustered pixels, got %d" % (nx * ny, len(rows["Cluster"])))
order = numpy.argsort(rows["PointIndex"])
ours = rows["Cluster"][order]
vectors = numpy.stack([float32(field).ravel(), float32(aux).ravel()], axis=1)
reference = data.oracle(ORACLE, {"x": vectors.tolist(), "method": "kmeans", "k": 3, "ours": ours.tolist()})
check(reference["ari"] >= 0.95, "k-means ARI vs scikit-learn %.3f < 0.95" % reference["ari"])
# The silhouette is computed exactly on both sides (float64 distances): 1e-9.
check_close(nve.silhouette_score(clusters), reference["silhouette"], 1e-9, "silhouette score")
on_field = nvtest.point_array(servermanager.Fetch(clusters), "Cluster")
check((on_field == ours).all(), "the Cluster array on the field differs from the assignments")
summary = servermanager.Fetch(clusters, idx=1)
sizes = [summary.GetColumnByName("Points").GetValue(r) for r in range(summary.GetNumberOfRows())]
check(sorted(sizes) == sorted(numpy.bincount(ours).tolist()), "cluster sizes %s" % sizes)
print("per-pixel k-means: ARI %.4f, silhouette %.4f" % (reference["ari"], reference["silhouette"]))

# A subset fit (MaxPoints) still labels every pixel: the others take the nearest centre.
clusters.MaxPoints = 300
on_field = nvtest.point_array(servermanager.Fetch(clusters), "Cluster")
check(len(nve.cluster_assignments(clusters)["Cluster"]) == 300, "MaxPoints=300 not respected")
check((on_field >= 0).all(), "pixels outside the subset were not labelled")
sub_ari = data.oracle(ORACLE, {"x": vectors.tolist(), "method": "kmeans", "k": 3, "ours": on_field.tolist()})["ari"]
check(sub_ari >= 0.95, "subset fit: ARI %.3f < 0.95" % sub_ari)

# --- Per sample over a time series: the step shown carries its cluster as field data.
count = 30
path, fields, aux_s, masks, classes = data.write_series(os.path.join(work, "series"), count, seed=2)
series = PVDReader(FileName=path)
embed = neuralview.embed_features(series, arrays=["Field"], label="Class", method="TSNE", Perplexity=8, Seed=0)
per_sample = neuralview.cluster_features(series, method="KMeans", k=3, arrays=["Field"], label="Class")
rows = nve.cluster_assignments(per_sample)
check(sorted(rows["SampleIndex"].tolist()) == list(range(count)), "one row per sample expected")
vectors = float32(fields.reshape(count, -1))[rows["SampleIndex"]]
reference = data.oracle(ORACLE, {"x": vectors.tolist(), "method": "kmeans", "k": 3, "ours": rows["Cluster"].tolist()})
check(reference["ari"] >= 0.95, "per-sample k-means ARI %.3f < 0.95" % reference["ari"])
for t in (4, 17):
    per_sample.UpdatePipeline(float(t))
    shown = servermanager.Fetch(per_sample)
    expected = rows["Cluster"][list(rows["SampleIndex"]).index(t)]
    check(nvtest.field_array(shown, "Cluster")[0] == expected, "time %d shows cluster of another sample" % t)
    check_close(nvtest.point_array(shown, "Field"), fields[t].ravel(), 1e-12, "time %d field" % t)

# --- Clustering the embedding: DBSCAN and agglomerative on the t-SNE coordinates.
points = nve.embedding(embed)["points"][:, :2]
spread = float(numpy.median(numpy.linalg.norm(points - points.mean(0), axis=1)))
for method, extra in (("DBSCAN", {"Eps": 0.3 * spread, "MinPoints": 3}), ("Agglomerative", {})):
    on_points = neuralview.cluster_features(embed, method=method, k=3, **extra)
    on_points.FeatureArrays = []  # the coordinates
    rows = nve.cluster_assignments(on_points)
    ids = nve.embedding(embed)["GlobalIds"]
    check((rows["GlobalIds"] == numpy.sort(ids)).all(), "%s: rows are not the embedded points" % method)
    ordered = points[numpy.argsort(ids)]
    payload = {"x": ordered.tolist(), "method": method.lower(), "k": 3, "eps": extra.get("Eps", 0),
               "min": extra.get("MinPoints", 0), "ours": rows["Cluster"].tolist()}
    ari = data.oracle(ORACLE, payload)["ari"]
    check(ari >= 0.95, "%s on the embedding: ARI %.3f < 0.95" % (method, ari))
    shown = servermanager.Fetch(on_points)
    check(shown.IsA("vtkPolyData") and shown.GetPointData().GetArray("Cluster") is not None,
          "%s: the embedding lacks a Cluster array" % method)
    print("%s on the t-SNE embedding: ARI %.4f" % (method, ari))


# --- Bad inputs.
def expect_error(proxy, words):
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    proxy.UpdatePipeline()
    text = " ".join(catcher.messages)
    check(catcher.messages and all(w in text for w in words), "expected an error naming %s, got %r" % (words, text))


expect_error(ClusterFeatures(Input=series, FeatureArrays=["Field"], K=31), ["K = 31", "30 points"])
expect_error(ClusterFeatures(Input=reader, FeatureArrays=["Missing"], Granularity="PerPixel"), ["Missing"])
print("ClusterFeatures OK")
