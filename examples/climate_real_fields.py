"""Cyclone/river segmentation models applied to a real reanalysis.

    pvbatch examples/climate_real_fields.py OUTPUT_DIR

The only real file with moisture is the NCEP reanalysis climatology in
../shared/data/real/climate (June mean, 128 x 64 points, 2.8 degrees):
PREH2O (precipitable water, the TMQ analogue), PSL in hPa, U/V on 17
pressure levels. It is opened with ParaView's NetCDF reader through
neuralview.climate.reanalysis (U850/V850 from level index 2, PSL in Pa), and
two models trained on SyntheticClimate fields are applied through the
channel synonyms (PREH2O is TMQ):
- TMQ only, for reanalyses without winds;
- the ClimateNet channels TMQ, U850, V850, PSL.
Models are reused from OUTPUT_DIR (climate_tmq.onnx, climate_climatenet.onnx,
written by examples/climate_segmentation.py with those channel sets) or
trained here. As a reference free of the synthetic-to-real shift, the models
are also scored on synthetic fields generated on the NCEP grid.
Writes climate_real_fields.png and climate_real_fields.json.
"""

import json
import os
import sys

import numpy
from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

out_dir = sys.argv[1] if len(sys.argv) > 1 else "output"
os.makedirs(out_dir, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
ncep = os.path.join(here, "..", "..", "shared", "data", "real", "climate", "NCEP_06_climo.nc")
if not os.path.isfile(ncep):
    sys.exit("the NCEP file is not at %s" % ncep)
neuralview_plugin.load(globals())
import neuralview  # noqa: E402
from neuralview import climate  # noqa: E402

MODELS = {"tmq": ["TMQ"], "climatenet": climate.CLIMATENET_CHANNELS}
summary = {}
for key, channels in MODELS.items():
    model = os.path.join(out_dir, "climate_%s.onnx" % key)
    if not os.path.isfile(model):
        print("training the %s model (as examples/climate_segmentation.py does)" % key)
        neuralview.train(SyntheticClimate(Dimensions=[144, 96], Seed=1, NumberOfTimeSteps=48), channels,
                         label="LABELS", task="segmentation", model_file=model, epochs=12,
                         Architecture="segnet-small", BatchSize=4, LearningRate=0.003, Seed=1, ClassWeighting=1,
                         ClassWeightPower=0.4, ClassNames=climate.CLASS_NAMES, ValidationFraction=0.15)
    # Reference: synthetic fields on the NCEP grid (128 x 64), 8 time steps.
    reference = ApplyNetwork(Input=SyntheticClimate(Dimensions=[128, 64], Seed=3000, NumberOfTimeSteps=8),
                             ModelFile=model)
    predictions, truths = [], []
    for t in range(8):
        a = climate.fetch_arrays(reference, ["Prediction", "LABELS"], t)
        predictions.append(a["Prediction"])
        truths.append(a["LABELS"])
    iou, mean_iou = climate.iou_scores(numpy.array(predictions), numpy.array(truths))
    summary[key] = {"channels": channels, "synthetic_on_ncep_grid_iou": iou, "synthetic_on_ncep_grid_mean_iou":
                    mean_iou}

inputs = climate.reanalysis(ncep, level=850)
results = {}
for key in MODELS:
    applied = neuralview.apply(inputs, os.path.join(out_dir, "climate_%s.onnx" % key))
    a = climate.fetch_arrays(applied, ["Prediction", "PREH2O", "Probability_TC", "Probability_AR"])
    lat = numpy.linspace(-87.8638, 87.8638, 64)[:, None] * numpy.ones((1, 128))
    shares = [float((a["Prediction"] == c).mean()) for c in range(3)]
    ar = a["Prediction"] == 2
    summary[key].update({
        "ncep_predicted_share": dict(zip(climate.CLASS_NAMES, shares)),
        "ncep_max_probability": {"TC": float(a["Probability_TC"].max()), "AR": float(a["Probability_AR"].max())},
        "ncep_AR_latitudes": [float(numpy.abs(lat[ar]).min()), float(numpy.abs(lat[ar]).max())] if ar.any() else [],
        "ncep_AR_mean_PREH2O": float(a["PREH2O"][ar].mean()) if ar.any() else None,
    })
    results[key] = applied
    print("%s: NCEP June climatology predicted as %s" % (key, ", ".join(
        "%s %.4f" % (n, s) for n, s in zip(climate.CLASS_NAMES, shares))))
    print("   reference IoU on synthetic fields at the NCEP grid: TC %.2f AR %.2f mean %.2f" % (
        summary[key]["synthetic_on_ncep_grid_iou"][1], summary[key]["synthetic_on_ncep_grid_iou"][2],
        summary[key]["synthetic_on_ncep_grid_mean_iou"]))
with open(os.path.join(out_dir, "climate_real_fields.json"), "w") as f:
    json.dump(summary, f, indent=1)

# The picture: PREH2O with predicted TC (red) and AR (yellow) outlines and high ground, one view per model.
layout = CreateLayout("Real fields")
views = [CreateRenderView(), CreateRenderView()]
AssignViewToLayout(views[0], layout, 0)
layout.SplitHorizontal(0, 0.5)
AssignViewToLayout(views[1], layout, 2)
lut = GetColorTransferFunction("PREH2O")  # one colour map for both views
lut.ApplyPreset("Blues", True)
lut.InvertTransferFunction()
lut.RescaleTransferFunction(0.0, 60.0)
for view, key in zip(views, MODELS):
    applied = results[key]
    display = Show(applied, view)
    ColorBy(display, ("POINTS", "PREH2O"))
    display.SetScalarBarVisibility(view, key == "climatenet")
    if key == "climatenet":  # in the right margin, clear of the map
        bar = GetScalarBar(lut, view)
        bar.Title, bar.ComponentTitle, bar.AddRangeLabels = "PREH2O (kg/m2)", "", 0
        bar.WindowLocation, bar.Position, bar.ScalarBarLength = "Any Location", [0.925, 0.2], 0.6
    # Terrain for orientation (the file has no land mask): where sea-level
    # pressure exceeds surface pressure by 80 hPa the ground is above ~700 m.
    terrain = Contour(Input=Calculator(Input=inputs, ResultArrayName="PSLminusPS", Function="PSL-PS"),
                      ContourBy=["POINTS", "PSLminusPS"], Isosurfaces=[8000.0])
    terrain_display = Show(terrain, view)
    terrain_display.ColorArrayName = ["POINTS", ""]
    terrain_display.AmbientColor = terrain_display.DiffuseColor = [0.45, 0.3, 0.15]
    terrain_display.LineWidth = 1.5
    for array, color in (("Probability_TC", [1.0, 0.1, 0.1]), ("Probability_AR", [1.0, 0.85, 0.0])):
        contour = Contour(Input=applied, ContourBy=["POINTS", array], Isosurfaces=[0.5])
        d = Show(contour, view)
        d.ColorArrayName = ["POINTS", ""]
        d.AmbientColor = d.DiffuseColor = color
        d.LineWidth = 3.0
    title = Show(Text(Text="NCEP June climatology, PREH2O; %s model: TC red, AR yellow; ground > 700 m brown" % (
        "TMQ-only" if key == "tmq" else "TMQ+U850+V850+PSL")), view)
    title.WindowLocation, title.FontSize = "Upper Center", 13
    view.OrientationAxesVisibility = 0
    view.CameraPosition = [180.0, 0.0, 500.0]
    view.CameraFocalPoint = [180.0, 0.0, 0.0]
    view.CameraViewUp = [0.0, 1.0, 0.0]
    view.CameraParallelProjection = 1
    view.CameraParallelScale = 112.0
picture = os.path.join(out_dir, "climate_real_fields.png")
layout.SetSize(1800, 520)
SaveScreenshot(picture, layout, ImageResolution=[1800, 520])
print("wrote", picture)
