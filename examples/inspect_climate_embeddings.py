"""What a climate segmentation network learned: embeddings, clusters, the
confusion matrix, and an anomaly map from an autoencoder.

    xvfb-run -a -s "-screen 0 1280x1024x24" pvbatch examples/inspect_climate_embeddings.py OUTPUT_DIR [EPOCHS]

1. Trains segnet-small on SyntheticClimate fields (TMQ, U850, V850, PSL at
   96 x 64 points) to segment tropical cyclones (TC) and atmospheric rivers (AR).
2. Embeds every pixel of a new field by its bottleneck features with t-SNE
   (Embed Features), coloured by the true class, and clusters the same
   features with k-means (Cluster Features), shown back on the field:
   representations_embedding.png.
3. Confusion matrix of the network on held-out fields, classes reordered by
   hierarchical clustering, as a heat map: representations_confusion.png.
4. Trains an autoencoder on fields without cyclones and marks where its
   reconstruction error on a field with cyclones exceeds the 0.99 quantile
   (Anomaly Map): representations_anomaly.png.
Numbers (embedding 5-NN accuracy, silhouette, confusion counts, anomaly hits)
go to representations_summary.json.
"""

import json
import os
import sys
import time

import numpy
from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

out_dir = sys.argv[1] if len(sys.argv) > 1 else "output"
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
os.makedirs(out_dir, exist_ok=True)
neuralview_plugin.load(globals())
import neuralview  # noqa: E402
from neuralview import climate  # noqa: E402
from neuralview import embeddings as nve  # noqa: E402
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

GRID = [96, 64]
CHANNELS = climate.CLIMATENET_CHANNELS
started = time.time()
summary = {}
# The render windows open first: the X connection is made before the long computations.
views = [CreateView("RenderView") for _ in range(4)]


def stamp(what):
    print("%-40s %6.1f s" % (what, time.time() - started), flush=True)


# --- 1. A segmentation network.
train = SyntheticClimate(Dimensions=GRID, NumberOfTimeSteps=32, Seed=1, CycloneCountRange=[3, 8], RiverCountRange=[2, 4])
model = os.path.join(out_dir, "climate_segnet.onnx")
neuralview.train(train, CHANNELS, label="LABELS", task="segmentation", model_file=model, epochs=epochs,
                 Architecture="segnet-small", BatchSize=4, LearningRate=0.003, Seed=1, ClassWeighting=1,
                 ClassWeightPower=0.4, ClassNames=climate.CLASS_NAMES, ValidationFraction=0.0)
stamp("segmentation network trained")

# --- 2. Pixel embedding of a new field, and k-means clusters of the same features on the field.
field = SyntheticClimate(Dimensions=GRID, NumberOfTimeSteps=1, Seed=7, CycloneCountRange=[6, 6], RiverCountRange=[3, 3])
embed = nve.embed_features(field, model_file=model, label="LABELS", granularity="PerPixel", method="TSNE",
                           MaxPoints=0, Perplexity=30, Seed=0)
points = nve.embedding(embed)
stamp("t-SNE of %d pixels" % len(points["Label"]))
layer = servermanager.Fetch(embed).GetFieldData().GetAbstractArray("Layer").GetValue(0)
clusters = nve.cluster_features(field, method="KMeans", k=4, model_file=model, label="LABELS",
                                granularity="PerPixel", MaxPoints=0, Seed=0)
clusters.UpdatePipeline()
summary["layer"] = layer
summary["silhouette_kmeans4"] = nve.silhouette_score(clusters)


labels = points["Label"].astype(int)
xy = points["points"][:, :2]
per_class = {}
for k, name in enumerate(climate.CLASS_NAMES):
    members = numpy.flatnonzero(labels == k)
    if len(members) == 0:
        continue
    hits = []
    for i in members[:500]:
        d = ((xy - xy[i]) ** 2).sum(1)
        d[i] = numpy.inf
        votes = numpy.bincount(labels[numpy.argsort(d)[:5]], minlength=3)
        hits.append(numpy.argmax(votes) == k)
    per_class[name] = {"pixels": int(len(members)), "5nn_accuracy": float(numpy.mean(hits))}
summary["tsne_5nn_accuracy_per_class"] = per_class
stamp("clusters")

layout = CreateLayout("embedding")
scatter = views[0]
scatter.ViewSize = [560, 480]
scatter.OrientationAxesVisibility = 0
scatter.Background = [1, 1, 1]
scatter.UseColorPaletteForBackground = 0
AssignViewToLayout(view=scatter, layout=layout, hint=0)
shown = Show(embed, scatter)
shown.SetRepresentationType("Points")
shown.PointSize = 3
ColorBy(shown, ("POINTS", "Label"))
lut = GetColorTransferFunction("Label")
lut.InterpretValuesAsCategories = 1
lut.Annotations = ["0", "background", "1", "TC", "2", "AR"]
lut.IndexedColors = [0.75, 0.75, 0.75, 0.85, 0.1, 0.1, 0.1, 0.3, 0.85]
bar = GetScalarBar(lut, scatter)
bar.Title = "true class"
bar.ComponentTitle = ""
bar.TitleColor = bar.LabelColor = [0, 0, 0]
shown.SetScalarBarVisibility(scatter, True)
# The rare classes on top of the background pixels, larger.
rare = Threshold(Input=embed, Scalars=["POINTS", "Label"], LowerThreshold=0.5, UpperThreshold=2.5)
rare_display = Show(rare, scatter)
rare_display.SetRepresentationType("Points")
rare_display.PointSize = 7
ColorBy(rare_display, ("POINTS", "Label"))
title = Text(Text="t-SNE of bottleneck features (%s), one point per pixel" % layer)
title_display = Show(title, scatter)
title_display.FontSize = 14
title_display.Color = [0, 0, 0]
title_display.WindowLocation = "Upper Center"
scatter.InteractionMode = "2D"
ResetCamera(scatter)

on_field = views[1]
on_field.ViewSize = [560, 480]
on_field.OrientationAxesVisibility = 0
on_field.Background = [1, 1, 1]
on_field.UseColorPaletteForBackground = 0
AssignViewToLayout(view=on_field, layout=layout, hint=2)
field_display = Show(OutputPort(clusters, 0), on_field)
field_display.SetRepresentationType("Slice")
ColorBy(field_display, ("POINTS", "Cluster"))
cluster_lut = GetColorTransferFunction("Cluster")
cluster_lut.InterpretValuesAsCategories = 1
cluster_lut.Annotations = ["0", "0", "1", "1", "2", "2", "3", "3"]
cluster_lut.IndexedColors = [0.55, 0.63, 0.80, 0.99, 0.75, 0.44, 0.4, 0.76, 0.65, 0.91, 0.54, 0.76]
cluster_bar = GetScalarBar(cluster_lut, on_field)
cluster_bar.Title = "k-means cluster"
cluster_bar.ComponentTitle = ""
cluster_bar.TitleColor = cluster_bar.LabelColor = [0, 0, 0]
field_display.SetScalarBarVisibility(on_field, True)
outlines = Contour(Input=field, ContourBy=["POINTS", "LABELS"], Isosurfaces=[0.5, 1.5])
outline_display = Show(outlines, on_field)
outline_display.DiffuseColor = outline_display.AmbientColor = [0, 0, 0]
outline_display.LineWidth = 2
ColorBy(outline_display, None)
caption = Text(Text="k-means (K=4) of the same features on the field; black: true TC/AR outlines")
caption_display = Show(caption, on_field)
caption_display.FontSize = 14
caption_display.Color = [0, 0, 0]
caption_display.WindowLocation = "Upper Center"
on_field.InteractionMode = "2D"
ResetCamera(on_field)
SaveScreenshot(os.path.join(out_dir, "representations_embedding.png"), layout, SaveAllViews=1,
               ImageResolution=[1120, 480])
stamp("embedding picture")

# --- 3. Confusion matrix on held-out fields (one time step at a time, summed).
held_out = SyntheticClimate(Dimensions=GRID, NumberOfTimeSteps=1, Seed=11, CycloneCountRange=[6, 6],
                            RiverCountRange=[3, 3])
applied = neuralview.apply(held_out, model)
confusion = nve.confusion_matrix(applied, label="LABELS", class_names=climate.CLASS_NAMES)
names, ids, counts = nve.confusion(confusion)
summary["confusion_order"] = names
summary["confusion_counts"] = counts.astype(int).tolist()
heat_view = views[2]
heat_view.ViewSize = [520, 480]
heat_view.OrientationAxesVisibility = 0
heat_view.Background = [1, 1, 1]
heat_view.UseColorPaletteForBackground = 0
heat = Show(OutputPort(confusion, 1), heat_view)
heat.SetRepresentationType("Surface")
ColorBy(heat, ("CELLS", "RowFraction"))
heat_lut = GetColorTransferFunction("RowFraction")
heat_lut.ApplyPreset("Inferno (matplotlib)", True)
heat_lut.RescaleTransferFunction(0.0, 1.0)
heat_bar = GetScalarBar(heat_lut, heat_view)
heat_bar.Title = "fraction of true class"
heat_bar.ComponentTitle = ""
heat_bar.WindowLocation = "Any Location"
heat_bar.Position = [0.86, 0.15]
heat_bar.AutomaticLabelFormat = 0
heat_bar.LabelFormat = heat_bar.RangeLabelFormat = "%.1f"
heat_bar.TitleColor = heat_bar.LabelColor = [0, 0, 0]
heat.SetScalarBarVisibility(heat_view, True)
k = len(names)
for r, name in enumerate(names):
    for c in range(k):
        cell = Text(Text="%d" % counts[r, c])
        d = Show(cell, heat_view)
        d.TextPropMode = "Billboard 3D Text"
        d.BillboardPosition = [c + 0.4, k - 1 - r + 0.45, 0.1]
        d.FontSize = 14
        d.Color = [1, 1, 1] if counts[r, c] < 0.6 * counts[r].sum() else [0, 0, 0]
    row_label = Text(Text=name)
    d = Show(row_label, heat_view)
    d.TextPropMode = "Billboard 3D Text"
    d.BillboardPosition = [-0.9, k - 1 - r + 0.45, 0.1]
    d.FontSize = 14
    d.Color = [0, 0, 0]
    col_label = Text(Text=name)
    d = Show(col_label, heat_view)
    d.TextPropMode = "Billboard 3D Text"
    d.BillboardPosition = [r + 0.5 - 0.045 * len(name), -0.35, 0.1]
    d.FontSize = 14
    d.Color = [0, 0, 0]
heading = Text(Text="Confusion matrix (rows: true, columns: predicted)")
d = Show(heading, heat_view)
d.FontSize = 14
d.Color = [0, 0, 0]
d.WindowLocation = "Upper Center"
heat_view.InteractionMode = "2D"
heat_view.CameraPosition = [k / 2 - 0.1, k / 2 - 0.1, 10]
heat_view.CameraFocalPoint = [k / 2 - 0.1, k / 2 - 0.1, 0]
heat_view.CameraParallelScale = k * 0.68
SaveScreenshot(os.path.join(out_dir, "representations_confusion.png"), heat_view, ImageResolution=[520, 480])
stamp("confusion picture")

# --- 4. Anomalies: an autoencoder that never saw a cyclone.
calm = SyntheticClimate(Dimensions=GRID, NumberOfTimeSteps=32, Seed=3, CycloneCountRange=[0, 0], RiverCountRange=[2, 4])
autoencoder = os.path.join(out_dir, "climate_autoencoder.onnx")
neuralview.train(calm, CHANNELS, task="autoencoder", model_file=autoencoder, epochs=epochs,
                 Architecture="autoencoder2d", BatchSize=4, LearningRate=0.003, Seed=1, ValidationFraction=0.0)
stamp("autoencoder trained")
stormy = SyntheticClimate(Dimensions=GRID, NumberOfTimeSteps=1, Seed=21, CycloneCountRange=[6, 6], RiverCountRange=[2, 2])
anomalies = nve.anomaly_map(stormy, model_file=autoencoder, quantile=0.99)
result = servermanager.Fetch(anomalies)
marked = vtk_to_numpy(result.GetPointData().GetArray("Anomaly")).reshape(GRID[1], GRID[0]).astype(bool)
truth = vtk_to_numpy(result.GetPointData().GetArray("LABELS")).reshape(GRID[1], GRID[0]).astype(int)


def within_2px(mask):
    grown = numpy.zeros_like(mask)
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            grown |= numpy.roll(numpy.roll(mask, dy, 0), dx, 1)
    return grown


near_tc, near_ar = within_2px(truth == 1), within_2px(truth == 2)
summary["anomaly"] = {"threshold": nve.anomaly_threshold(anomalies), "marked": int(marked.sum()),
                      "marked_within_2px_of_a_cyclone": float((marked & near_tc).sum() / max(marked.sum(), 1)),
                      "marked_within_2px_of_a_river": float((marked & near_ar).sum() / max(marked.sum(), 1)),
                      "area_within_2px_of_a_cyclone_or_river": float((near_tc | near_ar).mean()),
                      "cyclones_hit": None}
# Cyclones with at least one marked pixel within 2 px.
tc = truth == 1
seen = numpy.zeros_like(tc)
hits, total = 0, 0
for start in zip(*numpy.nonzero(tc)):
    if seen[start]:
        continue
    total += 1
    stack, blob = [start], numpy.zeros_like(tc)
    while stack:
        y, x = stack.pop()
        if 0 <= y < tc.shape[0] and 0 <= x < tc.shape[1] and tc[y, x] and not seen[y, x]:
            seen[y, x] = blob[y, x] = True
            stack += [(y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)]
    hits += int((within_2px(blob) & marked).any())
summary["anomaly"]["cyclones_hit"] = "%d of %d" % (hits, total)
anomaly_view = views[3]
anomaly_view.ViewSize = [640, 440]
anomaly_view.OrientationAxesVisibility = 0
anomaly_view.Background = [1, 1, 1]
anomaly_view.UseColorPaletteForBackground = 0
base = Show(anomalies, anomaly_view)
base.SetRepresentationType("Slice")
ColorBy(base, ("POINTS", "TMQ"))
tmq_lut = GetColorTransferFunction("TMQ")
tmq_lut.ApplyPreset("Viridis (matplotlib)", True)
tmq_bar = GetScalarBar(tmq_lut, anomaly_view)
tmq_bar.Title = "TMQ [kg/m2]"
tmq_bar.ComponentTitle = ""
tmq_bar.TitleColor = tmq_bar.LabelColor = [0, 0, 0]
base.SetScalarBarVisibility(anomaly_view, True)
marks = Contour(Input=anomalies, ContourBy=["POINTS", "Anomaly"], Isosurfaces=[0.5])
marks_display = Show(marks, anomaly_view)
ColorBy(marks_display, None)
marks_display.DiffuseColor = marks_display.AmbientColor = [1, 0.2, 0.1]
marks_display.LineWidth = 3
for cls, colour in ((1, [1, 1, 1]), (2, [0, 0, 0])):
    member = PythonCalculator(Input=stormy, Expression="1.0 * (LABELS == %d)" % cls, ArrayName="member")
    outline = Show(Contour(Input=member, ContourBy=["POINTS", "member"], Isosurfaces=[0.5]), anomaly_view)
    ColorBy(outline, None)
    outline.DiffuseColor = outline.AmbientColor = colour
    outline.LineWidth = 1.5
note = Text(Text="red: error above its 0.99 quantile; white: true cyclones; black: true rivers")
d = Show(note, anomaly_view)
d.FontSize = 13
d.Color = [0, 0, 0]
d.WindowLocation = "Upper Center"
anomaly_view.InteractionMode = "2D"
ResetCamera(anomaly_view)
SaveScreenshot(os.path.join(out_dir, "representations_anomaly.png"), anomaly_view, ImageResolution=[640, 440])
stamp("anomaly picture")

summary["seconds"] = time.time() - started
with open(os.path.join(out_dir, "representations_summary.json"), "w") as f:
    json.dump(summary, f, indent=1)
print(json.dumps(summary, indent=1))
