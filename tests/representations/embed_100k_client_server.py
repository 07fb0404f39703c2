"""Benchmark (run by hand, not a ctest test): a 100,000-point embedding from 4 pvserver ranks.

    NEURALVIEW_SERVER_RANKS=4 NEURALVIEW_CLIENT_TIMEOUT=3000 \\
      tests/pipeline/run_client_server.sh mpirun pvserver pvpython \\
      tests/representations/embed_100k_client_server.py [--points 100000] [--method UMAP] [--render] [--json OUT]

A 400 x 250 field (100,000 pixels) carries 8 feature arrays: each pixel's
vector is one of 5 seeded class centres plus unit Gaussian noise, the class
as Label. The reader splits the field over the server's ranks (each rank must
hold a piece). For each setting of MaxPoints (0 = every pixel; 10,000 = the
filter's default seeded subset) EmbedFeatures per pixel runs on the server,
and the script measures:
- seconds from the request (UpdatePipeline) to the client holding the
  embedding (servermanager.Fetch), split into server compute and delivery;
- bytes delivered to the client: the fetched vtkPolyData marshalled the way
  ParaView's data mover sends it (vtkCommunicator.MarshalDataObject);
- delivered point count (each pixel at most once) and quality on a seeded
  5,000-point subsample (scikit-learn in Debian's Python): leave-one-out 5-NN
  accuracy of the known classes in the embedding next to the same in the raw
  8-D features, and trustworthiness (10 neighbours) on 2,000 of them;
- with --render, what a render view costs: the first render with the geometry delivered to
  the client (as ParaView does below its remote-render threshold, 20 MB by
  default), then a render on the server (threshold 0: only images reach the client).
"""

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("NEURALVIEW_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
sys.path[:0] = [os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"), HERE]

import numpy  # noqa: E402
import nvtest  # noqa: E402
import test_embed_data as data  # noqa: E402
from nvtest import check  # noqa: E402
from paraview.simple import *  # noqa: E402,F401,F403

parser = argparse.ArgumentParser()
parser.add_argument("--points", type=int, default=100000, help="pixels (a 400-wide field)")
parser.add_argument("--method", default="UMAP", choices=["UMAP", "TSNE", "PCA"])
parser.add_argument("--max-points", type=int, nargs="+", default=[0, 10000], help="EmbedFeatures MaxPoints settings")
parser.add_argument("--render", action="store_true", help="also time a render view (server ranks need X)")
parser.add_argument("--json", help="write the measurements here")
args = parser.parse_args()

ranks = nvtest.connect_to_test_server(globals(), ranks=int(os.environ.get("NEURALVIEW_SERVER_RANKS", "2")))
import neuralview  # noqa: E402
from neuralview import embeddings as nve  # noqa: E402
from vtkmodules.vtkCommonCore import vtkCharArray  # noqa: E402
from vtkmodules.vtkParallelCore import vtkCommunicator  # noqa: E402


QUALITY = """
import json, sys, numpy
from sklearn.manifold import trustworthiness
from sklearn.neighbors import NearestNeighbors
p = json.load(sys.stdin)
x, y, label = numpy.array(p["x"]), numpy.array(p["y"]), numpy.array(p["label"])


def knn_accuracy(points):  # leave-one-out 5-NN majority vote
    nearest = NearestNeighbors(n_neighbors=6).fit(points).kneighbors(points, return_distance=False)[:, 1:]
    votes = numpy.array([numpy.bincount(label[row], minlength=label.max() + 1).argmax() for row in nearest])
    return float((votes == label).mean())


print(json.dumps({"knn5_embedding": knn_accuracy(y), "knn5_raw_features": knn_accuracy(x),
                  "trustworthiness10": trustworthiness(x[:2000], y[:2000], n_neighbors=10)}))
"""
# --- The field: 8 feature arrays, 5 classes.
nx = 400
ny = args.points // nx
n = nx * ny
D, CLASSES = 8, 5
rng = numpy.random.default_rng(0)
centres = rng.normal(0.0, 1.5, (CLASSES, D))
label = rng.integers(0, CLASSES, n)
features = centres[label] + rng.standard_normal((n, D))
work = tempfile.mkdtemp(prefix="nv-embed-100k-")
arrays = {"F%d" % d: features[:, d].reshape(ny, nx) for d in range(1, D)}
arrays["Label"] = label.reshape(ny, nx).astype(numpy.int32)
path = data.write_image(os.path.join(work, "features.vti"), features[:, 0].reshape(ny, nx), **arrays)
feature_names = ["Field"] + ["F%d" % d for d in range(1, D)]
reader = XMLImageDataReader(FileName=path)
reader.UpdatePipeline()
pieces = []
for rank in range(ranks):
    e = servermanager.Fetch(reader, rank).GetExtent()
    pieces.append((e[1] - e[0] + 1) * (e[3] - e[2] + 1))
check(all(0 < p < n for p in pieces), "every rank must hold a piece of the field: %s" % pieces)
print("field %d x %d = %d pixels, %d-D features, pixels per rank %s" % (nx, ny, n, D, pieces), flush=True)

subsample = numpy.random.default_rng(1).permutation(n)
raw = numpy.asarray(features, numpy.float32).astype(numpy.float64)  # the filter's float32 vectors
results = {"points": n, "ranks": ranks, "method": args.method, "pixels_per_rank": pieces, "runs": []}


def marshalled_bytes(dataset):
    buffer = vtkCharArray()
    check(vtkCommunicator.MarshalDataObject(dataset, buffer), "cannot marshal the embedding")
    return buffer.GetNumberOfTuples()


for max_points in args.max_points:
    embed = neuralview.embed_features(reader, arrays=feature_names, label="Label", granularity="PerPixel",
                                      method=args.method, MaxPoints=max_points, Seed=0)
    cpu0 = time.process_time()
    t0 = time.time()
    embed.UpdatePipeline()  # the request: rank 0 gathers and embeds
    t1 = time.time()
    output = servermanager.Fetch(embed)  # delivery to the client (appended over the ranks)
    t2 = time.time()
    count = output.GetNumberOfPoints()
    expected = n if max_points == 0 else min(max_points, n)
    ids = nvtest.point_array(output, "PointIndex")
    check(count == expected, "delivered %d points, expected %d" % (count, expected))
    check(numpy.unique(ids).size == count, "a pixel was delivered twice")
    delivered = marshalled_bytes(output)
    points = numpy.array([output.GetPoint(i)[:2] for i in range(count)])
    check((nvtest.point_array(output, "Label") == label[ids]).all(), "Label does not follow the pixels")

    # Quality on subsamples of the delivered points (neighbours within the subsample).
    order = numpy.argsort(ids)
    delivered_ids, delivered_points = ids[order], points[order]
    pick = subsample[numpy.isin(subsample, delivered_ids)][:5000]
    rows = numpy.searchsorted(delivered_ids, pick)
    quality = data.oracle(QUALITY, {"x": raw[pick].tolist(), "y": delivered_points[rows].tolist(),
                                    "label": label[pick].tolist()})
    run = {"max_points": max_points, "delivered_points": count, "server_seconds": round(t1 - t0, 2),
           "fetch_seconds": round(t2 - t1, 2), "request_to_client_seconds": round(t2 - t0, 2),
           "client_cpu_seconds": round(time.process_time() - cpu0, 2), "delivered_bytes": delivered,
           "bytes_per_point": round(delivered / count, 1), **{k: round(v, 4) for k, v in quality.items()}}

    print(json.dumps(run), flush=True)  # before rendering, which needs the server ranks' X displays
    if args.render:
        view = CreateRenderView()
        view.ViewSize = [400, 400]
        shown = Show(embed, view)
        ColorBy(shown, ("POINTS", "Label"))
        view.RemoteRenderThreshold = 1000.0
        start = time.time()
        Render(view)  # below the threshold ParaView delivers the geometry and the client renders it
        run["first_render_local_seconds"] = round(time.time() - start, 2)
        view.RemoteRenderThreshold = 0.0  # MB: now the server renders and only images reach the client
        start = time.time()
        Render(view)
        run["render_remote_seconds"] = round(time.time() - start, 2)
        SaveScreenshot(os.path.join(work, "embedding_%d.png" % max_points), view, ImageResolution=[400, 400])
        Delete(view)
        del view
        print(json.dumps({k: run[k] for k in ("first_render_local_seconds", "render_remote_seconds")}), flush=True)
    results["runs"].append(run)
    Delete(embed)

os.remove(path)  # 8 MB of input; the screenshots stay
if args.json:
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
print("embedding of %d points from %d ranks: OK (images in %s)" % (n, ranks, work))
Disconnect()
