"""What a signal/background classifier looks at in a calorimeter event:
Grad-CAM, integrated gradients and layer activations.

    xvfb-run -a pvbatch examples/inspect_calorimeter_gradcam.py OUTPUT_DIR [--model M.onnx]

1. SyntheticCalorimeter (whole-detector mode) generates 32 x 32 (eta, phi)
   images of RPV-SUSY signal and QCD background (cell arrays ECAL, HCAL,
   Tracks; field data Signal and the truth jets).
2. Unless --model names a network trained on the same inputs (for example
   calorimeter_hepcnn.onnx from calorimeter_signal_background.py, whose
   images are 64 x 64), TrainNetwork trains classifier-small on log(1 + E_T)
   of ECAL and HCAL and the track count.
3. On an independent signal event the network calls signal, NetworkAttribution
   computes Grad-CAM for the class "signal" at the last feature map and
   integrated gradients; NetworkActivations extracts the first layer's
   channels on the input grid and the second layer's on its native (coarser)
   grid.
Pictures: representations_attribution.png (E_T with the truth jets, Grad-CAM,
integrated gradients) and representations_activations.png (input and
feature maps).
"""

import os
import sys
import time

import numpy
from paraview import servermanager
from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
out_dir = args[0] if args else "output"
os.makedirs(out_dir, exist_ok=True)
given_model = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else None
neuralview_plugin.load(globals())
from neuralview import calorimeter  # noqa: E402
import neuralview  # noqa: E402

SIZE = 64 if given_model else 32
INPUTS = ["ECAL_log", "HCAL_log", "Tracks"]


def log_channels(source):
    """log(1 + E_T/GeV) of ECAL and HCAL (noise clipped at zero): jet cores reach
    hundreds of GeV per cell, soft deposits stay below one."""
    x = source
    for name in ("ECAL", "HCAL"):
        x = Calculator(Input=x, AttributeType="Cell Data", ResultArrayName=name + "_log",
                       Function="ln(1 + max(%s, 0))" % name)
    return x


start = time.time()
if given_model:
    model = given_model
else:
    model = os.path.join(out_dir, "calorimeter_inspect.onnx")
    events = calorimeter.detector_events(events=400, seed=11, image_size=SIZE, BackgroundMinimumPt=700.0)
    trainer = TrainNetwork(Input=log_channels(OutputPort(events, 1)), InputArrays=INPUTS, LabelArray="Signal",
                           Architecture="classifier-small", Epochs=6, BatchSize=16, LearningRate=0.002,
                           ValidationFraction=0.15, Seed=5, ModelFile=model, ClassNames=["background", "signal"])
    trainer.Task = 1  # classification
    trainer.UpdatePipeline()
    history = neuralview.history(trainer)
    print("trained classifier-small on 400 events in %.0f s; validation accuracy per epoch %s" %
          (time.time() - start, ["%.2f" % a for a in history["Accuracy"]]))

# An independent signal event that the network calls signal (its logits are
# the activations of the output layer, a field-data array).
test_events = calorimeter.detector_events(events=40, seed=22, image_size=SIZE, BackgroundMinimumPt=700.0)
output_layer = neuralview.layer_names(model)[-1]
logits = neuralview.activations(log_channels(OutputPort(test_events, 1)), model, layer=output_layer)
chosen, p_signal = None, 0.0
for t in range(40):
    logits.UpdatePipeline(float(t))
    fd = servermanager.Fetch(logits).GetFieldData()
    z = [fd.GetArray(output_layer).GetComponent(0, k) for k in range(2)]
    p = 1.0 / (1.0 + numpy.exp(z[0] - z[1]))  # softmax probability of class 1
    if fd.GetArray("Signal").GetValue(0) == 1 and p > p_signal:
        chosen, p_signal = t, p
print("signal event %d: network p(signal) = %.3f" % (chosen, p_signal))
event = calorimeter.detector_events(events=1, seed=22, image_size=SIZE, FirstEvent=chosen, BackgroundMinimumPt=700.0)
inputs = log_channels(OutputPort(event, 1))
cam = neuralview.attribution(inputs, model, method="gradcam", target=1)
ig = neuralview.attribution(inputs, model, method="integratedgradients", target=1, steps=32)
cam_data, ig_data = servermanager.Fetch(cam), servermanager.Fetch(ig)
layer = cam_data.GetFieldData().GetAbstractArray("AttributionLayer").GetValue(0)
score, baseline = (ig_data.GetFieldData().GetArray(n).GetValue(0) for n in ("AttributionScore",
                                                                           "AttributionBaselineScore"))
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

ig_sum = float(vtk_to_numpy(ig_data.GetCellData().GetArray("Attribution")).sum())
print("Grad-CAM at %s; integrated gradients sum %.4f vs score difference %.4f" % (layer, ig_sum, score - baseline))
# How much of the Grad-CAM map lies on the truth jets' cells (E_T > 5 GeV) compared with their share of the image.
e_t = vtk_to_numpy(cam_data.GetCellData().GetArray("ECAL")) + vtk_to_numpy(cam_data.GetCellData().GetArray("HCAL"))
cam_values = vtk_to_numpy(cam_data.GetCellData().GetArray("Attribution"))
hot = e_t > 5.0
print("Grad-CAM mass on cells with E_T > 5 GeV: %.0f %% (they are %.0f %% of the cells)" %
      (100 * cam_values[hot].sum() / max(cam_values.sum(), 1e-12), 100 * hot.mean()))


def panel(view, title):
    view.OrientationAxesVisibility = 0
    view.Background = [0.08, 0.08, 0.1]
    view.UseColorPaletteForBackground = 0
    text = Show(Text(Text=title), view)
    text.WindowLocation = "Upper Center"
    text.FontSize = 12
    text.Color = [1, 1, 1]


def show_cells(source, array, view, lut_name, title, jets=True, log=False):
    display = Show(source, view)
    display.Representation = "Surface"
    display.Ambient, display.Diffuse = 1.0, 0.0
    ColorBy(display, ("CELLS", array))
    lut = GetColorTransferFunction(lut_name)
    lut.ApplyPreset("Inferno (matplotlib)" if not log else "Viridis (matplotlib)", True)
    display.LookupTable = lut
    display.RescaleTransferFunctionToDataRange(False, True)
    if jets:
        jet_display = Show(OutputPort(event, 2), view)
        ColorBy(jet_display, None)
        jet_display.AmbientColor = jet_display.DiffuseColor = [0.3, 1.0, 0.4]
        jet_display.LineWidth = 2
    panel(view, title)
    view.ResetCamera()
    view.CameraParallelProjection = 1
    view.ResetCamera()


def save_layout(views, columns, path, size):
    """Views in a grid of `columns` (a layout cell's children are 2i+1 and 2i+2)."""
    rows = (len(views) + columns - 1) // columns
    grid = CreateLayout(os.path.basename(path))
    column_cells, cell = [], 0
    for c in range(columns - 1):
        left = grid.SplitHorizontal(cell, 1.0 / (columns - c))
        column_cells.append(left)
        cell = left + 1
    column_cells.append(cell)
    slots = []
    for cell in column_cells:
        row_cells = []
        for r in range(rows - 1):
            top = grid.SplitVertical(cell, 1.0 / (rows - r))
            row_cells.append(top)
            cell = top + 1
        row_cells.append(cell)
        slots.append(row_cells)
    for i, view in enumerate(views):
        grid.AssignView(slots[i % columns][i // columns], view)
    SaveScreenshot(path, grid, ImageResolution=size)


views = []
total = Calculator(Input=inputs, AttributeType="Cell Data", ResultArrayName="E_T_log",
                   Function="ln(1 + max(ECAL + HCAL, 0))")
for source, array, title in ((total, "E_T_log", "signal event, log(1+E_T); jets"),
                             (cam, "Attribution", "Grad-CAM (signal) at %s" % layer),
                             (ig, "Attribution", "integrated gradients (signal)")):
    view = CreateRenderView()
    views.append(view)
    show_cells(source, array, view, "lut_%d" % len(views), title)
images = os.path.join(out_dir, "representations_attribution.png")
save_layout(views, 3, images, [1200, 420])
print("wrote", images)

# Activations: the first layer on the input grid, the second on its native grid.
first = neuralview.activations(inputs, model, layer="relu1", resolution="input", interpolation="nearest")
second = neuralview.activations(inputs, model, layer="relu2", resolution="native")
act_views = []
for source, array, title in [(total, "E_T_log", "input: log(1 + E_T)")] + \
        [(first, "relu1_%d" % c, "relu1 channel %d (input grid)" % c) for c in (0, 1, 2)] + \
        [(second, "relu2_%d" % c, "relu2 channel %d (native grid)" % c) for c in (0, 1, 2, 3)]:
    view = CreateRenderView()
    act_views.append(view)
    show_cells(source, array, view, "act_%d" % len(act_views), title, jets=False)
images = os.path.join(out_dir, "representations_activations.png")
save_layout(act_views, 4, images, [1200, 620])
print("wrote", images, "in %.0f s" % (time.time() - start))
