"""Client-server: a pvpython client drives EmbedFeatures, ClusterFeatures,
ConfusionMatrix and AnomalyMap on a 2-rank pvserver (run_client_server.sh starts it).

The server reads one 60 x 40 field, split by the reader into a piece per rank
(both ranks hold pixels). Results are fetched to the client and compared with
scikit-learn / numpy on the whole field (one oracle process, Debian's Python):
- EmbedFeatures per pixel: PCA coordinates equal scikit-learn's up to sign;
  UMAP keeps each pixel once and keeps neighbourhoods (trustworthiness, and the
  regions separate as well as in the raw features);
- MaxPoints is one cap over both ranks, the same subset in EmbedFeatures and
  ClusterFeatures;
- ClusterFeatures per pixel: k-means and DBSCAN ARI >= 0.95 against scikit-learn,
  silhouette equal to scikit-learn's, each rank's Cluster array equals the fit;
- ConfusionMatrix: counts equal sklearn.metrics.confusion_matrix (boundary
  pixels shared by the pieces counted once);
- AnomalyMap: threshold equals numpy.quantile of the whole field, Anomaly on
  each rank's piece equals error > threshold;
- a feature array that does not exist gives an error naming it on the client,
  and the session stays usable.
"""

import os
import tempfile

import numpy
import nvtest
import test_embed_data as data
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

ranks = nvtest.connect_to_test_server(globals(), ranks=2)  # plugin on the client and the server
import neuralview  # noqa: E402  (embedded in the plugin)
from neuralview import embeddings as nve  # noqa: E402


ORACLE = """
import json, sys, numpy
from sklearn.cluster import DBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.metrics import adjusted_rand_score, confusion_matrix, silhouette_score
p = json.load(sys.stdin)
x = numpy.array(p["x"])
kmeans = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(x)
dbscan = DBSCAN(eps=p["eps"], min_samples=p["min"]).fit_predict(x)
print(json.dumps({
    "pca": PCA(n_components=2).fit_transform(x).tolist(),
    "umap_trustworthiness": trustworthiness(x, numpy.array(p["umap"]), n_neighbors=10),
    "kmeans_ari": adjusted_rand_score(kmeans, p["kmeans"]),
    "kmeans_silhouette": float(silhouette_score(x, p["kmeans"])),
    "dbscan_ari": adjusted_rand_score(dbscan, p["dbscan"]),
    "dbscan_clusters": len(set(dbscan.tolist()) - {-1}),
    "dbscan_silhouette": float(silhouette_score(x, p["dbscan"])),
    "confusion": confusion_matrix(p["y"], p["p"], labels=[0, 1, 2]).tolist()}))
"""


def f32(x):
    """The filters read float64 arrays into float32 feature vectors: the oracle gets the same values."""
    return numpy.asarray(x, numpy.float32).astype(numpy.float64)



# --- A 60 x 40 field with three regions of different (Field, Aux) means plus noise.
ny, nx = 40, 60
rng = numpy.random.default_rng(11)
yy, xx = numpy.mgrid[0:ny, 0:nx]
region = numpy.where(xx < 20, 0, numpy.where(yy < 20, 1, 2))
means = numpy.array([[0.0, 0.0], [3.0, 0.5], [1.0, 3.0]])
field = means[region, 0] + 0.4 * rng.standard_normal((ny, nx))
aux = means[region, 1] + 0.4 * rng.standard_normal((ny, nx))
prediction = numpy.where(rng.random((ny, nx)) < 0.2, (region + 1) % 3, region)
error = rng.gamma(2.0, 0.05, (ny, nx))
work = tempfile.mkdtemp(prefix="nv-features-cs-")  # client and server share this machine's /tmp
path = data.write_image(os.path.join(work, "field.vti"), field, Aux=aux, Label=region.astype(numpy.int32),
                        Prediction=prediction.astype(numpy.int32), ReconstructionError=error)
reader = XMLImageDataReader(FileName=path)
reader.UpdatePipeline()

# The field really is split: each rank holds a piece (global pixel ids from its extent).
local_ids = []
for rank in range(ranks):
    e = servermanager.Fetch(reader, rank).GetExtent()
    ids = (numpy.arange(e[0], e[1] + 1)[None, :] + nx * numpy.arange(e[2], e[3] + 1)[:, None]).ravel()
    check(0 < len(ids) < nx * ny, "rank %d holds %d of %d pixels: not a piece" % (rank, len(ids), nx * ny))
    local_ids.append(ids)
check(numpy.union1d(*local_ids).size == nx * ny, "the pieces do not cover the field")
print("pixels per rank: %s" % [len(i) for i in local_ids])

vectors = numpy.stack([f32(field).ravel(), f32(aux).ravel()], axis=1)

# --- EmbedFeatures: PCA and UMAP of every pixel (MaxPoints=0), gathered on rank 0 and fetched.
pca = neuralview.embed_features(reader, arrays=["Field", "Aux"], granularity="PerPixel", method="PCA", MaxPoints=0)
pca_out = nve.embedding(pca)
check(servermanager.Fetch(pca, 1).GetNumberOfPoints() == 0, "the embedding should live on rank 0 only")
check(sorted(pca_out["GlobalIds"].tolist()) == list(range(nx * ny)),
      "each pixel must be embedded once: %d points" % len(pca_out["GlobalIds"]))
pca_order = pca_out["PointIndex"]
umap = neuralview.embed_features(reader, arrays=["Field", "Aux"], label="Label", granularity="PerPixel",
                                 method="UMAP", MaxPoints=0, Seed=0)
umap_out = nve.embedding(umap)
check(sorted(umap_out["PointIndex"].tolist()) == list(range(nx * ny)), "UMAP: each pixel must appear once")
check((umap_out["Label"] == region.ravel()[umap_out["PointIndex"]]).all(), "UMAP: Label does not follow the pixels")
umap_points = numpy.zeros((nx * ny, 2))
umap_points[umap_out["PointIndex"]] = umap_out["points"][:, :2]

# MaxPoints caps the vectors gathered over all ranks (each rank's own cap let up to ranks x MaxPoints
# through); EmbedFeatures and ClusterFeatures with the same seed pick the same pixels.
subset = neuralview.embed_features(reader, arrays=["Field", "Aux"], granularity="PerPixel", method="PCA",
                                   MaxPoints=300, Seed=4)
subset_ids = numpy.sort(nve.embedding(subset)["GlobalIds"])
check(len(subset_ids) == 300 and numpy.unique(subset_ids).size == 300, "MaxPoints=300 gave %d points" % len(subset_ids))
subset_fit = neuralview.cluster_features(reader, method="KMeans", k=3, arrays=["Field", "Aux"],
                                         granularity="PerPixel", MaxPoints=300, Seed=4)
check((numpy.sort(nve.cluster_assignments(subset_fit)["GlobalIds"]) == subset_ids).all(),
      "ClusterFeatures fitted other pixels than EmbedFeatures embedded")
for rank in range(ranks):
    check((nvtest.point_array(servermanager.Fetch(subset_fit, rank), "Cluster") >= 0).all(),
          "rank %d: pixels outside the fitted subset were not labelled" % rank)

# --- ClusterFeatures: k-means and DBSCAN on the split field, every pixel fitted.
EPS, MIN_POINTS = 0.25, 8
assignments, silhouettes = {}, {}
for method, extra in (("KMeans", {}), ("DBSCAN", {"Eps": EPS, "MinPoints": MIN_POINTS})):
    clusters = neuralview.cluster_features(reader, method=method, k=3, arrays=["Field", "Aux"],
                                           granularity="PerPixel", MaxPoints=0, Seed=0, **extra)
    rows = nve.cluster_assignments(clusters)
    check(sorted(rows["PointIndex"].tolist()) == list(range(nx * ny)), "%s: each pixel must be fitted once" % method)
    assigned = numpy.full(nx * ny, -2)
    assigned[rows["PointIndex"]] = rows["Cluster"]
    assignments[method] = assigned
    silhouettes[method] = nve.silhouette_score(clusters)
    for rank in range(ranks):  # every rank labels its own pixels with rank 0's fit
        piece = nvtest.point_array(servermanager.Fetch(clusters, rank), "Cluster")
        check((piece == assigned[local_ids[rank]]).all(), "%s: rank %d's Cluster differs from the fit" % (method, rank))

# --- ConfusionMatrix and AnomalyMap.
confusion = neuralview.confusion_matrix(reader, label="Label", prediction="Prediction")
confusion.UpdatePipeline()
table = servermanager.Fetch(confusion, 0)
class_ids = [table.GetColumnByName("ClassId").GetValue(r) for r in range(table.GetNumberOfRows())]
counts = numpy.array([[table.GetColumn(2 + c).GetValue(r) for c in range(len(class_ids))]
                      for r in range(len(class_ids))])
QUANTILE = 0.9
anomalies = nve.anomaly_map(reader, quantile=QUANTILE)
anomalies.UpdatePipeline()
expected_threshold = numpy.quantile(error.ravel(), QUANTILE)
for rank in range(ranks):
    piece = servermanager.Fetch(anomalies, rank)
    # The reduction is exact (bisection on counts, then the interpolation numpy uses): round-off only.
    check_close(nvtest.field_array(piece, "AnomalyThreshold")[0], expected_threshold, 1e-12,
                "rank %d: threshold vs numpy.quantile of the whole field" % rank)
    marked = nvtest.point_array(piece, "Anomaly")
    check((marked == (error.ravel()[local_ids[rank]] > expected_threshold)).all(), "rank %d: Anomaly" % rank)

# --- One oracle run for everything.
reference = data.oracle(ORACLE, {"x": vectors.tolist(), "umap": umap_points.tolist(), "eps": EPS,
                                 "min": MIN_POINTS, "kmeans": assignments["KMeans"].tolist(),
                                 "dbscan": assignments["DBSCAN"].tolist(), "y": region.ravel().tolist(),
                                 "p": prediction.ravel().tolist()})
# Same float32 inputs and a float64 eigen-solver on both sides: 1e-7 as in the one-process test.
nvtest.check_close_up_to_sign(pca_out["points"][:, :2], numpy.array(reference["pca"])[pca_order], 1e-7, "PCA vs scikit-learn")
# UMAP is stochastic (no value oracle): it must keep 10-neighbourhoods as sklearn's trustworthiness
# measures them (1 = perfect; a random layout of this field scores about 0.5), and the three regions
# must separate in the embedding as well as in the raw features (5-NN accuracy, within 1 %).
check(reference["umap_trustworthiness"] >= 0.9, "UMAP trustworthiness %.3f" % reference["umap_trustworthiness"])
raw_accuracy = data.knn_accuracy(vectors, region.ravel())
umap_accuracy = data.knn_accuracy(umap_points, region.ravel())
check(umap_accuracy >= raw_accuracy - 0.01, "UMAP 5-NN accuracy %.3f vs %.3f in the raw features" %
      (umap_accuracy, raw_accuracy))
# k-means: the same optimum up to label names (ARI 1 expected; 0.95 leaves room for a few pixels
# between two clusters); DBSCAN is deterministic up to border points reachable from two clusters.
check(reference["kmeans_ari"] >= 0.95, "k-means ARI vs scikit-learn %.4f" % reference["kmeans_ari"])
check(reference["dbscan_ari"] >= 0.95, "DBSCAN ARI vs scikit-learn %.4f" % reference["dbscan_ari"])
check(reference["dbscan_clusters"] == 3, "the DBSCAN setting should find the 3 regions (sklearn: %d)" %
      reference["dbscan_clusters"])
# The silhouettes are exact on both sides (float64 distances over the same labels): 1e-9.
check_close(silhouettes["KMeans"], reference["kmeans_silhouette"], 1e-9, "k-means silhouette vs scikit-learn")
if reference["dbscan_ari"] == 1.0:  # the same labelling: the same silhouette (noise counted as a cluster)
    check_close(silhouettes["DBSCAN"], reference["dbscan_silhouette"], 1e-9, "DBSCAN silhouette vs scikit-learn")
expected_counts = numpy.array(reference["confusion"])[numpy.ix_(class_ids, class_ids)]
check((counts == expected_counts).all(), "confusion counts\n%s\nexpected\n%s" % (counts, expected_counts))
print("PCA, UMAP (trustworthiness %.4f, 5-NN %.3f), k-means ARI %.4f silhouette %.4f, DBSCAN ARI %.4f, "
      "threshold %.6f: OK" % (reference["umap_trustworthiness"], umap_accuracy, reference["kmeans_ari"],
                              silhouettes["KMeans"], reference["dbscan_ari"], expected_threshold))

# --- A feature array that does not exist: the server's error reaches the client's output window.
from vtkmodules.vtkCommonCore import vtkOutputWindow, vtkStringOutputWindow  # noqa: E402

messages = vtkStringOutputWindow()
vtkOutputWindow.SetInstance(messages)
broken = neuralview.embed_features(reader, arrays=["NoSuchArray"], granularity="PerPixel")
broken.UpdatePipeline()
check("NoSuchArray" in messages.GetOutput(), "no error naming the missing array: %r" % messages.GetOutput())
check(servermanager.Fetch(broken, 0).GetNumberOfPoints() == 0, "a failed embedding should be empty")
check(nve.embedding(pca)["points"].shape[0] == nx * ny, "the server is unusable after the error")
print("client-server EmbedFeatures/ClusterFeatures/ConfusionMatrix/AnomalyMap: OK")
Disconnect()
