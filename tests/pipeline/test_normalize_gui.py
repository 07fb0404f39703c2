"""GUI test, run by `paraview --script=... --exit` under Xvfb.

Loads the plugin into the GUI, applies NormalizeChannels to GaussianBlobs,
renders, and compares the screenshot with a baseline image. The GUI's exit
code does not reflect Python errors, so the result is written to the file
named by NEURALVIEW_GUI_RESULT and checked by run_gui_test.sh.
"""

import os
import sys
import traceback

result_file = os.environ["NEURALVIEW_GUI_RESULT"]


def finish(message):
    with open(result_file, "w") as f:
        f.write(message + "\n")


try:
    # The GUI runs the script without __file__; the source tree comes from the environment.
    sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
    import nvtest
    from nvtest import check, check_close
    from paraview.simple import *  # noqa: F401,F403

    nvtest.load_plugin(globals())  # remote=False in the GUI's builtin session
    blobs = GaussianBlobs(Dimensions=[96, 64, 1], Seed=4)
    norm = NormalizeChannels(Input=blobs, InputArrays=["Intensity", "Temperature"])
    view = GetActiveViewOrCreate("RenderView")
    view.ViewSize = [480, 320]
    view.OrientationAxesVisibility = 0
    display = Show(norm, view)
    ColorBy(display, ("POINTS", "NormalizedChannels", "Intensity"))
    lut = GetColorTransferFunction("NormalizedChannels")
    lut.ApplyPreset("Viridis (matplotlib)", True)
    lut.RescaleTransferFunction(-1.0, 4.0)
    Render(view)  # the first render resets the camera; place it afterwards
    view.CameraPosition = [47.5, 31.5, 200.0]
    view.CameraFocalPoint = [47.5, 31.5, 0.0]
    view.CameraViewUp = [0.0, 1.0, 0.0]
    view.CameraParallelProjection = 1
    view.CameraParallelScale = 33.0
    Render(view)

    # The filter's output in the GUI session, checked against numpy.
    out = servermanager.Fetch(norm)
    raw = servermanager.Fetch(blobs)
    expected, _, _ = nvtest.expected_normalization([nvtest.point_array(raw, "Intensity"),
                                                    nvtest.point_array(raw, "Temperature")])
    check_close(nvtest.point_array(out, "NormalizedChannels"), expected, 1e-5, "NormalizedChannels in the GUI")

    screenshot = os.path.join(os.path.dirname(result_file), "gui_normalize_channels.png")
    SaveScreenshot(screenshot, view, ImageResolution=[480, 320])
    baseline = os.path.join(nvtest.SOURCE_DIR, "tests", "pipeline", "baselines", "gui_normalize_channels.png")
    if os.environ.get("NEURALVIEW_UPDATE_BASELINES") == "1":
        import shutil
        shutil.copyfile(screenshot, baseline)

    import numpy
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkIOImage import vtkPNGReader

    def pixels(path):
        check(os.path.isfile(path), "missing image %s" % path)
        reader = vtkPNGReader()
        reader.SetFileName(path)
        reader.Update()
        image = reader.GetOutput()
        return image.GetDimensions(), vtk_to_numpy(image.GetPointData().GetScalars())[:, :3].astype(int)

    (dims_a, a), (dims_b, b) = pixels(screenshot), pixels(baseline)
    check(dims_a == dims_b, "screenshot size %s differs from baseline %s" % (dims_a, dims_b))
    # A pixel "differs" when a colour channel is off by more than 24 of 255:
    # anti-aliasing jitter stays below; a changed colour map or geometry
    # moves most pixels of the field by far more. Allow 0.5 % of pixels.
    differing = float(numpy.mean(numpy.abs(a - b).max(axis=1) > 24))
    check(differing < 0.005, "screenshot differs from baseline in %.2f %% of pixels (see %s)" % (100 * differing,
                                                                                               screenshot))
    error = differing
    finish("PASSED differing_pixels=%.4f" % error)
except Exception:
    finish("FAILED\n" + traceback.format_exc())
