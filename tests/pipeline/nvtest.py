"""Shared helpers of the pipeline tests: plugin loading and array access."""

import os
import sys

SOURCE_DIR = os.environ["NEURALVIEW_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SOURCE_DIR, "python"))

import neuralview_plugin  # noqa: E402


def load_plugin(namespace):
    return neuralview_plugin.load(namespace)


def connect_to_test_server(namespace, ranks=None):
    """Connects to the pvserver that run_client_server.sh started (its port in
    NEURALVIEW_SERVER_PORT), loads the plugin on the client and the server, and
    checks the server's rank count (when `ranks` is given); returns that count."""
    from paraview import servermanager, simple

    simple.Connect("localhost", int(os.environ["NEURALVIEW_SERVER_PORT"]))
    check(servermanager.ActiveConnection.IsRemote(), "not connected to a remote server")
    load_plugin(namespace)
    count = servermanager.ActiveConnection.GetNumberOfDataPartitions()
    check(ranks is None or count == ranks, "server has %d ranks, expected %s" % (count, ranks))
    return count


def point_array(dataset, name):
    """A VTK point array of `dataset` as a numpy array (fails the test if absent)."""
    from vtkmodules.util.numpy_support import vtk_to_numpy

    array = dataset.GetPointData().GetArray(name)
    check(array is not None, "output has no point array %r" % name)
    return vtk_to_numpy(array)


def field_array(dataset, name):
    from vtkmodules.util.numpy_support import vtk_to_numpy

    array = dataset.GetFieldData().GetArray(name)
    check(array is not None, "output has no field array %r" % name)
    return vtk_to_numpy(array)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def check_on_all_ranks(comm):
    """`check` for scripts under mpirun: a failed check on one rank aborts all ranks, so none
    waits forever in a collective that the failed rank never reaches."""
    rank = comm.Get_rank()

    def checked(condition, message):
        try:
            check(condition, message)
        except AssertionError as failure:
            print("rank %d: FAILED: %s" % (rank, failure), flush=True)
            comm.Abort(1)

    return checked


def check_close(actual, expected, atol, what):
    import numpy

    actual = numpy.asarray(actual, dtype=float)
    expected = numpy.asarray(expected, dtype=float)
    check(actual.shape == expected.shape, "%s: shape %s, expected %s" % (what, actual.shape, expected.shape))
    worst = float(numpy.max(numpy.abs(actual - expected))) if actual.size else 0.0
    check(worst <= atol, "%s: max deviation %.3g exceeds %.3g" % (what, worst, atol))


class ErrorCatcher:
    """Collects the ErrorEvent messages of a VTK object (a filter's server-side object)."""

    def __init__(self, vtk_object):
        self.messages = []
        vtk_object.AddObserver("ErrorEvent", self._on_error)

    def _on_error(self, caller, event, calldata=None):
        self.messages.append(str(calldata) if calldata is not None else event)

    from vtkmodules.vtkCommonCore import VTK_STRING

    _on_error.CallDataType = VTK_STRING  # receive the message text, not a pointer


def check_close_up_to_sign(actual, expected, atol, what):
    """Columns equal up to their sign (PCA axes, eigenvectors), each column within atol."""
    import numpy

    for c in range(expected.shape[1]):
        sign = 1.0 if numpy.dot(actual[:, c], expected[:, c]) >= 0 else -1.0
        check_close(sign * actual[:, c], expected[:, c], atol, "%s axis %d" % (what, c))


def expected_normalization(raw_columns):
    """Normalise columns with numpy (the oracle): population mean and standard deviation."""
    import numpy

    stacked = numpy.stack([numpy.asarray(c, dtype=numpy.float64) for c in raw_columns], axis=1)
    mean = stacked.mean(axis=0)
    std = stacked.std(axis=0)
    return (stacked - mean) / std, mean, std


def onnx_summary(path):
    """Metadata, ops and weight hashes of an ONNX file, read by python3-onnx in a separate process
    after onnx.checker.check_model(full_check=True) accepted it."""
    import json
    import subprocess

    oracle = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
    script = os.path.join(SOURCE_DIR, "tests", "pipeline", "onnx_summary.py")
    done = subprocess.run([oracle, script, path], capture_output=True, text=True)
    check(done.returncode == 0, "onnx could not read or check %s: %s" % (path, done.stderr[-2000:]))
    return json.loads(done.stdout)


def compare_with_baseline(screenshot, baseline_name, max_differing=0.005):
    """Fails when more than `max_differing` of the pixels differ from the baseline image.

    A pixel differs when a colour channel is off by more than 24 of 255:
    anti-aliasing and font hinting jitter stay below; a changed colour map,
    geometry or curve moves far more pixels by far more. With
    NEURALVIEW_UPDATE_BASELINES=1 the screenshot becomes the baseline.
    Returns the fraction of differing pixels.
    """
    import shutil

    import numpy
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkIOImage import vtkPNGReader

    baseline = os.path.join(SOURCE_DIR, "tests", "pipeline", "baselines", baseline_name)
    if os.environ.get("NEURALVIEW_UPDATE_BASELINES") == "1":
        shutil.copyfile(screenshot, baseline)

    def pixels(path):
        check(os.path.isfile(path), "missing image %s" % path)
        reader = vtkPNGReader()
        reader.SetFileName(path)
        reader.Update()
        image = reader.GetOutput()
        return image.GetDimensions(), vtk_to_numpy(image.GetPointData().GetScalars())[:, :3].astype(int)

    (dims_a, a), (dims_b, b) = pixels(screenshot), pixels(baseline)
    check(dims_a == dims_b, "screenshot size %s differs from baseline %s" % (dims_a, dims_b))
    differing = float(numpy.mean(numpy.abs(a - b).max(axis=1) > 24))
    check(differing < max_differing, "%s differs from its baseline in %.2f %% of pixels (see %s)" %
          (baseline_name, 100 * differing, screenshot))
    return differing
