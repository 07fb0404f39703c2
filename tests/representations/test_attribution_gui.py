"""GUI test (paraview --script under Xvfb): what a user does in the GUI with
NetworkActivations and NetworkAttribution — apply them to a field, pick a
layer from the list the Layer property offers, colour the render view by a
channel and by the attribution — checked against the PyTorch oracle.
The result goes to NEURALVIEW_GUI_RESULT (see run_gui_test.sh)."""

import os
import sys
import tempfile
import traceback

result_file = os.environ["NEURALVIEW_GUI_RESULT"]


def finish(message):
    with open(result_file, "w") as f:
        f.write(message + "\n")


try:
    here = os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests")
    sys.path[:0] = [os.path.join(here, "pipeline"), os.path.join(here, "representations")]
    import inspect_support
    import numpy
    import nvtest
    from nvtest import check, check_close
    from paraview.simple import *  # noqa: F401,F403

    nvtest.load_plugin(globals())
    work = tempfile.mkdtemp(prefix="nv-inspect-gui-")
    model = inspect_support.count_classifier(work, epochs=2)

    field = GaussianBlobs(Dimensions=[24, 24, 1], Seed=8, NumberOfBlobs=1, BlobRadius=0.15)
    # Filters -> Neural Networks -> Network Activations: the model file first; once
    # applied, the Layer property offers the model's layers.
    activations = NetworkActivations(Input=field, ModelFile=model)
    activations.UpdatePipeline()
    activations.UpdatePropertyInformation()
    domain = activations.GetProperty("Layer").SMProperty.GetDomain("list")
    offered = [domain.GetString(i) for i in range(domain.GetNumberOfStrings())]
    check("relu1" in offered and "logits" in offered, "Layer offers %s" % offered)
    activations.Layer = "maxpool1"
    activations.Resolution = "Native"
    attribution = NetworkAttribution(Input=field, ModelFile=model, Method="GradCAM", TargetClass=1)

    view = GetActiveViewOrCreate("RenderView")
    shown = Show(activations, view)
    shown.Representation = "Surface"
    ColorBy(shown, ("POINTS", "maxpool1_3"))
    cam_view = CreateView("RenderView")
    AssignViewToLayout(cam_view, GetLayout(), 0)
    cam_shown = Show(attribution, cam_view)
    cam_shown.Representation = "Surface"
    ColorBy(cam_shown, ("POINTS", "Attribution"))
    for v in (view, cam_view):
        v.ResetCamera()
        Render(v)
    screenshot = os.path.join(work, "inspect_gui.png")
    SaveScreenshot(screenshot, GetLayout(), ImageResolution=[800, 400])

    # What the views show equals the oracle (tolerances as in the pvpython tests).
    native = servermanager.Fetch(activations)
    cam = servermanager.Fetch(attribution)
    expected = inspect_support.oracle(model, inspect_support.raw_field(cam), [
        {"name": "pool", "kind": "activation", "tensor": "maxpool1"},
        {"name": "cam", "kind": "gradcam", "channel": 1, "layer": "relu2", "resize": [24, 24]}])
    check_close(nvtest.point_array(native, "maxpool1_3").reshape(12, 12), expected["pool"][3],
                1e-4 * max(1, abs(expected["pool"]).max()), "maxpool1 channel 3 vs torch")
    check_close(nvtest.point_array(cam, "Attribution").reshape(24, 24), expected["cam"],
                1e-3 * max(abs(expected["cam"]).max(), 1e-6), "Grad-CAM vs torch")
    # Both views drew the fields: the screenshot is not a blank background.
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkIOImage import vtkPNGReader

    reader = vtkPNGReader()
    reader.SetFileName(screenshot)
    reader.Update()
    pixels = vtk_to_numpy(reader.GetOutput().GetPointData().GetScalars())[:, :3]
    colours = len(numpy.unique(pixels, axis=0))
    check(colours > 50, "the screenshot has only %d colours: nothing drawn" % colours)
    finish("PASSED (%d colours in the screenshot)" % colours)
except Exception:
    finish("FAILED\n" + traceback.format_exc())
