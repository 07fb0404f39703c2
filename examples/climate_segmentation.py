"""Segmentation of tropical cyclones and atmospheric rivers (the DeepCAM task).

    pvbatch examples/climate_segmentation.py OUTPUT_DIR [ARCHITECTURE] [CHANNELS] [STEPS] [EPOCHS]

Trains a network (default segnet-small; climseg works the same, about 14
times the compute) on SyntheticClimate fields at 144 x 96 points (2.5 x 1.9
degrees) with inverse-frequency class weights, scores per-class IoU on
held-out time steps of another seed, and renders TMQ of a new field with the
predicted cyclone and river outlines (contours of the class probabilities at
0.5) over the generator's true outlines.

CHANNELS: "deepcam" (the 16 DeepCAM variables, default), "climatenet" (TMQ,
U850, V850, PSL) or "tmq". Writes climate_segmentation.png,
climate_segmentation_iou.md/.json and the model climate_<channels>.onnx.
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
architecture = sys.argv[2] if len(sys.argv) > 2 else "segnet-small"
channel_set = sys.argv[3] if len(sys.argv) > 3 else "deepcam"
steps = int(sys.argv[4]) if len(sys.argv) > 4 else 48
epochs = int(sys.argv[5]) if len(sys.argv) > 5 else 12
os.makedirs(out_dir, exist_ok=True)
neuralview_plugin.load(globals())
import neuralview  # noqa: E402
from neuralview import climate  # noqa: E402

CHANNELS = {"deepcam": climate.DEEPCAM_CHANNELS, "climatenet": climate.CLIMATENET_CHANNELS, "tmq": ["TMQ"]}
channels = CHANNELS[channel_set]
GRID = [144, 96]

# --- Train on `steps` independent weather states.
train = SyntheticClimate(Dimensions=GRID, Seed=1, NumberOfTimeSteps=steps)
model = os.path.join(out_dir, "climate_%s.onnx" % channel_set)
start = time.time()
trainer = neuralview.train(train, channels, label="LABELS", task="segmentation", model_file=model, epochs=epochs,
                           Architecture=architecture, BatchSize=4, LearningRate=0.003, Seed=1, ClassWeighting=1,
                           ClassWeightPower=0.4, ClassNames=climate.CLASS_NAMES, ValidationFraction=0.15)
seconds = time.time() - start
history = neuralview.history(trainer)

# --- Held-out time steps of another seed: per-class IoU from the confusion matrix.
TEST_STEPS = 8
test = SyntheticClimate(Dimensions=GRID, Seed=1000, NumberOfTimeSteps=TEST_STEPS)
scored = ApplyNetwork(Input=test, ModelFile=model)
confusion = numpy.zeros((3, 3), dtype=numpy.int64)
for t in range(TEST_STEPS):
    a = climate.fetch_arrays(scored, ["Prediction", "LABELS"], t)
    pairs = a["LABELS"].astype(int).ravel() * 3 + a["Prediction"].astype(int).ravel()
    confusion += numpy.bincount(pairs, minlength=9).reshape(3, 3)
iou = [confusion[c, c] / float(confusion[c].sum() + confusion[:, c].sum() - confusion[c, c]) for c in range(3)]
frequency = confusion.sum(axis=1) / float(confusion.sum())
mean_iou = float(numpy.mean(iou))

rows = ["| class | pixel share (truth) | IoU |", "|---|---|---|"]
for c, name in enumerate(["background", "tropical cyclone (TC)", "atmospheric river (AR)"]):
    rows.append("| %s | %.4f | %.3f |" % (name, frequency[c], iou[c]))
rows.append("| **mean** | | **%.3f** |" % mean_iou)
table = "\n".join(rows)
summary = {"architecture": architecture, "channels": channels, "grid": GRID, "train_steps": steps,
           "epochs": epochs, "train_seconds": round(seconds, 1), "test_steps": TEST_STEPS, "iou": iou,
           "mean_iou": mean_iou, "confusion (rows truth, columns prediction)": confusion.tolist(),
           "validation_mean_iou_per_epoch": history["MeanIoU"]}
with open(os.path.join(out_dir, "climate_segmentation_iou.md"), "w") as f:
    f.write(table + "\n")
with open(os.path.join(out_dir, "climate_segmentation_iou.json"), "w") as f:
    json.dump(summary, f, indent=1)
print("%s on %s channels, %d steps x %d epochs: %.0f s" % (architecture, channel_set, steps, epochs, seconds))
print(table)

# --- A new field: TMQ with predicted outlines (solid) over the true ones (thin).
new = SyntheticClimate(Dimensions=GRID, Seed=2024)
applied = ApplyNetwork(Input=new, ModelFile=model)
applied.UpdatePipeline()

layout = CreateLayout("Climate segmentation")
view = CreateRenderView()
chart = CreateView("XYChartView")
AssignViewToLayout(view, layout, 0)
layout.SplitHorizontal(0, 0.68)
AssignViewToLayout(chart, layout, 2)

display = Show(applied, view)
ColorBy(display, ("POINTS", "TMQ"))
lut = GetColorTransferFunction("TMQ")
lut.ApplyPreset("Blues", True)
lut.InvertTransferFunction()
lut.RescaleTransferFunction(0.0, 70.0)
display.SetScalarBarVisibility(view, True)
bar = GetScalarBar(lut, view)
bar.Title, bar.ComponentTitle = "TMQ (kg/m2)", ""
bar.WindowLocation = "Any Location"
bar.Position = [0.92, 0.12]
bar.ScalarBarLength = 0.6
bar.AddRangeLabels = 0

land = Contour(Input=new, ContourBy=["POINTS", "LANDFRAC"], Isosurfaces=[0.5])
land_display = Show(land, view)
land_display.ColorArrayName = ["POINTS", ""]
land_display.AmbientColor = land_display.DiffuseColor = [0.55, 0.45, 0.3]
land_display.LineWidth = 1.0


def outline(array, value, color, width):
    contour = Contour(Input=applied, ContourBy=["POINTS", array], Isosurfaces=[value])
    d = Show(contour, view)
    d.ColorArrayName = ["POINTS", ""]
    d.AmbientColor = d.DiffuseColor = color
    d.LineWidth = width
    return contour


outline("Probability_TC", 0.5, [1.0, 0.1, 0.1], 3.0)
outline("Probability_AR", 0.5, [1.0, 0.85, 0.0], 3.0)
# The generator's labels: 1 (TC) is between 0.5 and 1.5, 2 (AR) above 1.5.
truth = Contour(Input=new, ContourBy=["POINTS", "LABELS"], Isosurfaces=[0.5, 1.5])
truth_display = Show(truth, view)
truth_display.ColorArrayName = ["POINTS", ""]
truth_display.AmbientColor = truth_display.DiffuseColor = [0.1, 0.1, 0.1]
truth_display.LineWidth = 1.0
view.OrientationAxesVisibility = 0
title = Show(Text(Text="TMQ of an unseen field; predicted TC (red) and AR (yellow) outlines, true outlines (black)"),
             view)
title.WindowLocation, title.FontSize = "Upper Center", 13
scores = Show(Text(Text="held-out IoU  TC %.2f  AR %.2f  mean %.2f" % (iou[1], iou[2], mean_iou)), view)
scores.WindowLocation, scores.FontSize, scores.FontFamily = "Lower Left Corner", 13, "Courier"
view.CameraPosition = [180.0, 0.0, 500.0]
view.CameraFocalPoint = [180.0, 0.0, 0.0]
view.CameraViewUp = [0.0, 1.0, 0.0]
view.CameraParallelProjection = 1
view.CameraParallelScale = 100.0

curve = Show(trainer, chart)
curve.UseIndexForXAxis = 0
curve.XArrayName = "Epoch"
curve.SeriesVisibility = ["TrainLoss", "ValidationLoss", "IoU_TC", "IoU_AR"]
curve.SeriesColor = ["TrainLoss", "0.2", "0.4", "0.9", "ValidationLoss", "0.5", "0.7", "1.0", "IoU_TC", "0.9", "0.1",
                     "0.1", "IoU_AR", "0.9", "0.7", "0.0"]
chart.ChartTitle = "Training history (validation IoU)"
chart.BottomAxisTitle = "epoch"

picture = os.path.join(out_dir, "climate_segmentation.png")
layout.SetSize(1800, 640)
SaveScreenshot(picture, layout, ImageResolution=[1800, 640])
print("wrote", picture)
