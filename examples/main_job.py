"""NeuralView's main job, run by scripts/demo.sh under pvbatch.

    pvbatch examples/main_job.py OUTPUT_DIR

Generates a seeded blobs-in-noise field, stacks two of its arrays into
normalised network channels, and writes a picture of the raw and normalised
fields side by side with the per-channel statistics.
"""

import os
import sys

from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

out_dir = sys.argv[1] if len(sys.argv) > 1 else "output"
os.makedirs(out_dir, exist_ok=True)
neuralview_plugin.load(globals())

blobs = GaussianBlobs(Dimensions=[192, 128, 1], Seed=1, NumberOfBlobs=8)
norm = NormalizeChannels(Input=blobs, InputArrays=["Temperature", "Intensity"])
norm.UpdatePipeline()

layout = CreateLayout("NeuralView main job")
raw_view = CreateRenderView()
norm_view = CreateRenderView()
AssignViewToLayout(raw_view, layout, 0)
layout.SplitHorizontal(0, 0.5)
AssignViewToLayout(norm_view, layout, 2)

for view, source, array, component, title, unit in (
        (raw_view, blobs, "Temperature", None, "Temperature, raw", "K"),
        (norm_view, norm, "NormalizedChannels", "Temperature", "Temperature channel, normalised", "std. dev.")):
    display = Show(source, view)
    ColorBy(display, ("POINTS", array) + ((component,) if component else ()))
    display.SetScalarBarVisibility(view, True)
    bar = GetScalarBar(GetColorTransferFunction(array), view)
    bar.Title, bar.ComponentTitle = unit, ""
    bar.TitleFontSize = bar.LabelFontSize = 12
    bar.WindowLocation = "Any Location"
    bar.Position = [0.84, 0.25]
    bar.RangeLabelFormat = "%-#.1f"
    bar.ScalarBarLength = 0.5
    view.OrientationAxesVisibility = 0
    label = Show(Text(Text=title), view)
    label.WindowLocation, label.FontSize = "Upper Center", 16
    ResetCamera(view)
    view.CameraParallelProjection = 1

import neuralview  # noqa: E402  (embedded in the plugin)

stats = neuralview.channel_statistics(norm)
lines = ["%-12s mean %10.4f  stddev %8.4f" % (name, s["mean"], s["stddev"]) for name, s in stats.items()]
summary = Text(Text="\n".join(lines))
summary_display = Show(summary, raw_view)
summary_display.WindowLocation, summary_display.FontSize = "Lower Left Corner", 12
summary_display.FontFamily = "Courier"

picture = os.path.join(out_dir, "main_job.png")
SaveScreenshot(picture, layout, ImageResolution=[1600, 560])
print("\n".join(lines))
print("wrote", picture)

# --- Train a segmentation network on 40 generated time steps, apply it to an
# unseen, larger field, and show the loss curve next to the segmentation.
series = GaussianBlobs(Dimensions=[48, 48, 1], NumberOfTimeSteps=40, Seed=1, NumberOfBlobs=4)
model = os.path.join(out_dir, "blobs.onnx")
trainer = TrainNetwork(Input=series, InputArrays=["Intensity"], LabelArray="BlobLabel", Epochs=8, BatchSize=8,
                       Seed=0, ModelFile=model, ClassNames=["background", "blob"])
trainer.UpdatePipeline()
unseen = GaussianBlobs(Dimensions=[160, 120, 1], Seed=99, NumberOfBlobs=14, BlobRadius=0.06)
applied = ApplyNetwork(Input=unseen, ModelFile=model)

layout2 = CreateLayout("NeuralView training")
chart = CreateView("XYChartView")
seg_view = CreateRenderView()
AssignViewToLayout(chart, layout2, 0)
layout2.SplitHorizontal(0, 0.5)
AssignViewToLayout(seg_view, layout2, 2)
curve = Show(trainer, chart)
curve.UseIndexForXAxis = 0
curve.XArrayName = "Epoch"
curve.SeriesVisibility = ["TrainLoss", "ValidationLoss", "IoU_blob"]
chart.ChartTitle = "Training history"
chart.BottomAxisTitle = "epoch"
seg = Show(applied, seg_view)
ColorBy(seg, ("POINTS", "Probability_blob"))
GetColorTransferFunction("Probability_blob").ApplyPreset("Viridis (matplotlib)", True)
truth = Contour(Input=applied, ContourBy=["POINTS", "BlobLabel"], Isosurfaces=[0.5])
truth_display = Show(truth, seg_view)
ColorBy(truth_display, None)
truth_display.AmbientColor = truth_display.DiffuseColor = [1.0, 0.3, 0.3]
truth_display.LineWidth = 2.0
seg_view.OrientationAxesVisibility = 0
title = Show(Text(Text="P(blob) on an unseen field; red: true blob outlines"), seg_view)
title.WindowLocation, title.FontSize = "Upper Center", 14
ResetCamera(seg_view)
picture2 = os.path.join(out_dir, "main_job_training.png")
SaveScreenshot(picture2, layout2, ImageResolution=[1400, 560])

import numpy  # noqa: E402
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

result = servermanager.Fetch(applied)
prediction = vtk_to_numpy(result.GetPointData().GetArray("Prediction"))
label = vtk_to_numpy(result.GetPointData().GetArray("BlobLabel"))
iou = numpy.logical_and(prediction == 1, label == 1).sum() / numpy.logical_or(prediction == 1, label == 1).sum()
print("blob IoU on the unseen field: %.3f" % iou)
print("wrote", picture2)
