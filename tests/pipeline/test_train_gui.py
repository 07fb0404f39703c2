"""GUI test (paraview --script under Xvfb): train on a time series, watch the
loss curve in a line chart, apply the model to another time step, and compare
both views with baseline images. The result goes to NEURALVIEW_GUI_RESULT
(see run_gui_test.sh)."""

import os
import sys
import tempfile
import traceback

result_file = os.environ["NEURALVIEW_GUI_RESULT"]


def finish(message):
    with open(result_file, "w") as f:
        f.write(message + "\n")


try:
    sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
    import numpy
    import nvtest
    from nvtest import check
    from paraview.simple import *  # noqa: F401,F403

    nvtest.load_plugin(globals())
    model = os.path.join(tempfile.mkdtemp(prefix="nv-gui-"), "gui.onnx")

    # What a user does: pick arrays, train...
    series = GaussianBlobs(Dimensions=[32, 32, 1], NumberOfTimeSteps=24, Seed=10, NumberOfBlobs=3, BlobRadius=0.12)
    trainer = TrainNetwork(Input=series, InputArrays=["Intensity"], LabelArray="BlobLabel", Epochs=5, BatchSize=4,
                           Seed=3, LearningRate=0.003, ModelFile=model, ClassNames=["background", "blob"])
    layout = GetLayout()
    render_view = GetActiveViewOrCreate("RenderView")
    # ...watch the loss curve (TrainNetwork's hint opens its output in a line chart)...
    chart = CreateView("XYChartView")
    AssignViewToLayout(chart, layout, 0)
    curve = Show(trainer, chart)
    curve.UseIndexForXAxis = 0
    curve.XArrayName = "Epoch"
    curve.SeriesVisibility = ["TrainLoss", "ValidationLoss"]
    chart.ViewSize = [480, 320]
    chart.LeftAxisTitle = "loss"
    chart.BottomAxisTitle = "epoch"
    Render(chart)
    history = servermanager.Fetch(trainer)
    check(history.GetNumberOfRows() == 5, "history has %d rows" % history.GetNumberOfRows())
    losses = [history.GetColumnByName("TrainLoss").GetValue(r) for r in range(5)]
    check(losses[-1] < losses[0], "loss did not fall: %s" % losses)

    # ...and apply the model to another time step.
    applied = ApplyNetwork(Input=series, ModelFile=model)
    scene = GetAnimationScene()
    scene.UpdateAnimationUsingDataTimeSteps()
    scene.AnimationTime = 17.0
    display = Show(applied, render_view)
    ColorBy(display, ("POINTS", "Probability_blob"))
    GetColorTransferFunction("Probability_blob").ApplyPreset("Viridis (matplotlib)", True)
    GetColorTransferFunction("Probability_blob").RescaleTransferFunction(0.0, 1.0)
    outline = Contour(Input=applied, ContourBy=["POINTS", "BlobLabel"], Isosurfaces=[0.5])
    outline_display = Show(outline, render_view)
    ColorBy(outline_display, None)
    outline_display.AmbientColor = outline_display.DiffuseColor = [1.0, 0.3, 0.3]
    outline_display.LineWidth = 2.0
    render_view.ViewSize = [480, 320]
    render_view.OrientationAxesVisibility = 0
    Render(render_view)
    render_view.CameraPosition = [15.5, 15.5, 100.0]
    render_view.CameraFocalPoint = [15.5, 15.5, 0.0]
    render_view.CameraViewUp = [0.0, 1.0, 0.0]
    render_view.CameraParallelProjection = 1
    render_view.CameraParallelScale = 17.0
    Render(render_view)

    out = servermanager.Fetch(applied)
    check(out.GetPointData().GetArray("Prediction") is not None, "no Prediction on the applied time step")
    prediction = nvtest.point_array(out, "Prediction")
    truth = nvtest.point_array(out, "BlobLabel")
    inter = numpy.logical_and(prediction == 1, truth == 1).sum()
    union = numpy.logical_or(prediction == 1, truth == 1).sum()
    check(union > 0 and inter / union > 0.6, "blob IoU at time 17 is %.2f" % (inter / max(union, 1)))

    folder = os.path.dirname(result_file)
    shots = {}
    for name, view in (("gui_train_chart.png", chart), ("gui_train_segmentation.png", render_view)):
        path = os.path.join(folder, name)
        SaveScreenshot(path, view, ImageResolution=[480, 320])
        # Curves and labels are thin: a different loss curve moves few pixels, so the chart allows less.
        shots[name] = nvtest.compare_with_baseline(path, name, 0.002 if "chart" in name else 0.005)
    finish("PASSED " + " ".join("%s=%.4f" % kv for kv in shots.items()))
except Exception:
    finish("FAILED\n" + traceback.format_exc())
