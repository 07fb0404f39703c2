"""The SyntheticClimate source at CAM5's 25 km grid (1152 x 768 points).

    pvbatch examples/climate_synthetic.py OUTPUT_DIR

Four views of one weather state: TMQ with the cyclone (red) and river
(yellow) labels, sea-level pressure with 850 hPa wind glyphs, surface
temperature with the front labels (magenta), and vapour transport (IVT).
Writes climate_synthetic.png.
"""

import os
import sys

from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

out_dir = sys.argv[1] if len(sys.argv) > 1 else "output"
os.makedirs(out_dir, exist_ok=True)
neuralview_plugin.load(globals())

field = SyntheticClimate(Seed=5)  # 1152 x 768
field.UpdatePipeline()
layout = CreateLayout("Synthetic climate")
views = [CreateRenderView() for _ in range(4)]
AssignViewToLayout(views[0], layout, 0)
layout.SplitVertical(0, 0.5)
layout.SplitHorizontal(1, 0.5)
layout.SplitHorizontal(2, 0.5)
AssignViewToLayout(views[1], layout, 4)
AssignViewToLayout(views[2], layout, 5)
AssignViewToLayout(views[3], layout, 6)


def outline(view, array, value, color):
    contour = Contour(Input=field, ContourBy=["POINTS", array], Isosurfaces=[value])
    d = Show(contour, view)
    d.ColorArrayName = ["POINTS", ""]
    d.AmbientColor = d.DiffuseColor = color
    d.LineWidth = 2.0


PANELS = [("TMQ", "Blues", True, (0, 70), "TMQ (kg/m2); TC labels red, AR labels yellow"),
          ("PSL", "Cool to Warm", False, (97000, 104000), "PSL (Pa) and 850 hPa wind"),
          ("TS", "Inferno (matplotlib)", False, (230, 305), "TS (K); front labels magenta"),
          ("IVT", "Viridis (matplotlib)", False, (0, 1500), "IVT = TMQ x |wind 850| (kg/m/s)")]
for view, (array, preset, invert, (lo, hi), text) in zip(views, PANELS):
    d = Show(field, view)
    ColorBy(d, ("POINTS", array))
    lut = GetColorTransferFunction(array)
    lut.ApplyPreset(preset, True)
    if invert:
        lut.InvertTransferFunction()
    lut.RescaleTransferFunction(lo, hi)
    d.SetScalarBarVisibility(view, True)
    bar = GetScalarBar(lut, view)
    bar.Title, bar.ComponentTitle = "", ""
    bar.WindowLocation = "Any Location"
    bar.Position = [0.9, 0.1]
    bar.ScalarBarLength = 0.8
    bar.AddRangeLabels = 0
    title = Show(Text(Text=text), view)
    title.WindowLocation, title.FontSize = "Upper Center", 12
    view.OrientationAxesVisibility = 0
    view.CameraPosition = [180.0, 0.0, 500.0]
    view.CameraFocalPoint = [180.0, 0.0, 0.0]
    view.CameraViewUp = [0.0, 1.0, 0.0]
    view.CameraParallelProjection = 1
    view.CameraParallelScale = 100.0
outline(views[0], "LABELS", 0.5, [1.0, 0.1, 0.1])
outline(views[0], "LABELS", 1.5, [1.0, 0.85, 0.0])
outline(views[2], "FRONTS", 0.5, [1.0, 0.0, 1.0])
wind = Calculator(Input=ExtractSubset(Input=field, SampleRateI=24, SampleRateJ=24), ResultArrayName="wind850",
                  Function="U850*iHat + V850*jHat")
glyphs = Glyph(Input=wind, GlyphType="Arrow", OrientationArray=["POINTS", "wind850"],
               ScaleArray=["POINTS", "wind850"], ScaleFactor=0.35, GlyphMode="All Points")
g = Show(glyphs, views[1])
g.ColorArrayName = ["POINTS", ""]
g.AmbientColor = g.DiffuseColor = [0.1, 0.1, 0.1]
picture = os.path.join(out_dir, "climate_synthetic.png")
layout.SetSize(1500, 800)
SaveScreenshot(picture, layout, ImageResolution=[1500, 800])
print("wrote", picture)
