"""mpirun -np 2 pvbatch --symmetric: the representation filters across ranks.

- EmbedFeatures per sample over a series (each rank reads its own time
  steps): every sample reaches rank 0, PCA equals scikit-learn's;
- EmbedFeatures per pixel on a field split into pieces: each pixel once
  (shared piece boundaries not doubled), PCA equals scikit-learn's on the whole field;
- ClusterFeatures per pixel: each rank's Cluster array equals rank 0's
  assignment of its pixels, ARI vs scikit-learn KMeans;
- ConfusionMatrix counts equal scikit-learn's over the whole field;
- AnomalyMap's threshold equals numpy.quantile over the whole field.
The oracle runs on rank 0 from files the test wrote; ranks compare through mpi4py.
"""

import os

import numpy
import nvtest
import test_embed_data as data
from mpi4py import MPI
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
from neuralview import embeddings as nve  # noqa: E402
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
check(comm.Get_size() == 2, "expected 2 ranks")
work = comm.bcast(__import__("tempfile").mkdtemp(prefix="nv-repr-mpi-") if rank == 0 else None)

PCA_ORACLE = """
import json, sys, numpy
from sklearn.decomposition import PCA
p = json.load(sys.stdin)
print(json.dumps(PCA(n_components=2).fit_transform(numpy.array(p["x"])).tolist()))
"""
KMEANS_ORACLE = """
import json, sys, numpy
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, confusion_matrix
p = json.load(sys.stdin)
ref = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(numpy.array(p["x"]))
print(json.dumps({"ari": adjusted_rand_score(ref, p["ours"]),
                  "confusion": confusion_matrix(p["y"], p["p"], labels=list(range(3))).tolist()}))
"""


def f32(x):
    return numpy.asarray(x, numpy.float32).astype(numpy.float64)



def local(proxy, port=0):
    return proxy.GetClientSideObject().GetOutputDataObject(port)


def embedding_points(output):
    return numpy.array([output.GetPoint(i) for i in range(output.GetNumberOfPoints())]).reshape(-1, 3)


# --- Per-sample embedding of a 12-step series.
count = 12
if rank == 0:
    data.write_series(os.path.join(work, "series"), count, seed=3)
comm.Barrier()
fields, aux, masks, classes = data.make_samples(count, seed=3)
series = PVDReader(FileName=os.path.join(work, "series", "samples.pvd"))
embed = EmbedFeatures(Input=series, FeatureArrays=["Field"], LabelArray="Class")
embed.UpdatePipeline()
out = local(embed)
n_points = comm.gather(out.GetNumberOfPoints())
if rank == 0:
    check(n_points == [count, 0], "points per rank %s, expected all on rank 0" % n_points)
    s = nvtest.point_array(out, "SampleIndex")
    check(sorted(s.tolist()) == list(range(count)), "samples %s" % s)
    check((nvtest.point_array(out, "Label") == classes[s]).all(), "labels do not follow the samples")
    expected = numpy.array(data.oracle(PCA_ORACLE, {"x": f32(fields.reshape(count, -1))[s].tolist()}))
    nvtest.check_close_up_to_sign(embedding_points(out)[:, :2], expected, 1e-7, "per-sample PCA across ranks")

# --- A 40 x 30 field split into two pieces.
ny, nx = 30, 40
rng = numpy.random.default_rng(8)
yy, xx = numpy.mgrid[0:ny, 0:nx]
region = numpy.where(xx < 14, 0, numpy.where(yy < 15, 1, 2))
field = numpy.array([0.0, 3.0, 1.0])[region] + 0.4 * rng.standard_normal((ny, nx))
second = numpy.array([0.0, 0.5, 3.0])[region] + 0.4 * rng.standard_normal((ny, nx))
prediction = numpy.where(rng.random((ny, nx)) < 0.2, (region + 1) % 3, region)
error = rng.gamma(2.0, 0.05, (ny, nx))
if rank == 0:
    data.write_image(os.path.join(work, "field.vti"), field, Aux=second, Label=region.astype(numpy.int32),
                     Prediction=prediction.astype(numpy.int32), ReconstructionError=error)
comm.Barrier()
reader = XMLImageDataReader(FileName=os.path.join(work, "field.vti"))
reader.UpdatePipeline()
piece = local(reader).GetNumberOfPoints()
check(0 < piece < nx * ny, "rank %d holds %d points: not a piece" % (rank, piece))

pixels = EmbedFeatures(Input=reader, FeatureArrays=["Field", "Aux"], Granularity="PerPixel", MaxPoints=0)
pixels.UpdatePipeline()
out = local(pixels)
if rank == 0:
    ids = nvtest.point_array(out, "GlobalIds")
    check(sorted(ids.tolist()) == list(range(nx * ny)), "each pixel must appear once: %d points" % len(ids))
    p = nvtest.point_array(out, "PointIndex")
    x = numpy.stack([f32(field).ravel()[p], f32(second).ravel()[p]], axis=1)
    expected = numpy.array(data.oracle(PCA_ORACLE, {"x": x.tolist()}))
    nvtest.check_close_up_to_sign(embedding_points(out)[:, :2], expected, 1e-7, "per-pixel PCA across pieces")

clusters = ClusterFeatures(Input=reader, FeatureArrays=["Field", "Aux"], Granularity="PerPixel", K=3, MaxPoints=0)
clusters.UpdatePipeline()
mine = vtk_to_numpy(local(clusters).GetPointData().GetArray("Cluster"))
extent = local(clusters).GetExtent()
local_ids = (numpy.arange(extent[0], extent[1] + 1)[None, :] +
             nx * numpy.arange(extent[2], extent[3] + 1)[:, None]).ravel()
table = local(clusters, 2)
assigned = None
if rank == 0:
    assigned = numpy.full(nx * ny, -1)
    assigned[vtk_to_numpy(table.GetColumnByName("PointIndex"))] = vtk_to_numpy(table.GetColumnByName("Cluster"))
assigned = comm.bcast(assigned)
check((mine == assigned[local_ids]).all(), "rank %d: Cluster on the piece differs from the fit" % rank)

confusion = ConfusionMatrix(Input=reader)
confusion.UpdatePipeline()
matrix_table = local(confusion)
anomalies = AnomalyMap(Input=reader, Quantile=0.9)
anomalies.UpdatePipeline()
threshold = nvtest.field_array(local(anomalies), "AnomalyThreshold")[0]
expected_threshold = numpy.quantile(error.ravel(), 0.9)
check_close(threshold, expected_threshold, 1e-12, "rank %d: threshold over the whole field" % rank)
marked = vtk_to_numpy(local(anomalies).GetPointData().GetArray("Anomaly"))
check((marked == (error.ravel()[local_ids] > expected_threshold)).all(), "rank %d: Anomaly" % rank)
if rank == 0:
    x = numpy.stack([f32(field).ravel(), f32(second).ravel()], axis=1)
    reference = data.oracle(KMEANS_ORACLE, {"x": x.tolist(), "ours": assigned.tolist(),
                                            "y": region.ravel().tolist(), "p": prediction.ravel().tolist()})
    check(reference["ari"] >= 0.95, "k-means ARI across ranks %.3f" % reference["ari"])
    ids = [matrix_table.GetColumnByName("ClassId").GetValue(r) for r in range(3)]
    counts = numpy.array([[matrix_table.GetColumn(2 + c).GetValue(r) for c in range(3)] for r in range(3)])
    expected = numpy.array(reference["confusion"])[numpy.ix_(ids, ids)]
    check((counts == expected).all(), "confusion counts across ranks\n%s\n%s" % (counts, expected))
else:
    check(matrix_table.GetNumberOfRows() == 0, "the matrix lives on rank 0 only")
comm.Barrier()
print("rank %d: representation filters under MPI OK" % rank)
