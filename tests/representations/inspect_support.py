"""Shared by the NetworkActivations / NetworkAttribution tests: small models
trained in the test on generated blobs, and the PyTorch oracle
(onnx_torch_oracle.py, run in Debian's Python outside ParaView)."""

import json
import os
import subprocess
import tempfile

import numpy
import nvtest
from nvtest import check
from paraview import servermanager

HERE = os.path.dirname(os.path.abspath(__file__))


def train(work, name, source, label, task, architecture, epochs, check_written=True, **properties):
    """Trains `architecture` on the Intensity array of `source`; returns the model path.
    check_written=False under MPI, where only rank 0 writes the file (check after a barrier)."""
    import neuralview

    model = os.path.join(work, name + ".onnx")
    neuralview.train(source, ["Intensity"], label=label, task=task, model_file=model, epochs=epochs,
                     Architecture=architecture, Seed=1, **properties)
    check(not check_written or os.path.isfile(model), "training did not write %s" % model)
    return model


def count_classifier(work, epochs=8, check_written=True):
    """classifier-small (conv-bn-relu 16, max-pool 2, conv-bn-relu 32, global pool, dense) that
    tells fields with one blob (class 1) from pure noise (class 0) on 24x24 fields; seeded, so
    the same model every run."""
    counts = servermanager.sources.GaussianBlobs(Dimensions=[24, 24, 1], NumberOfTimeSteps=48, Seed=21,
                                                 NumberOfBlobs=1, RandomBlobCount=1, BlobRadius=0.15)
    servermanager.ProxyManager().RegisterProxy("sources", "counts%d" % counts.GetGlobalID(), counts)
    return train(work, "counts", counts, "BlobCount", "classification", "classifier-small", epochs, check_written,
                 BatchSize=6, LearningRate=0.003, ValidationFraction=0.25)


def blob_segmenter(work, epochs=3):
    """segnet-small (a U-Net with one skip connection) segmenting blobs on 32x32 fields."""
    series = servermanager.sources.GaussianBlobs(Dimensions=[32, 32, 1], NumberOfTimeSteps=16, Seed=10,
                                                 NumberOfBlobs=3, BlobRadius=0.12)
    servermanager.ProxyManager().RegisterProxy("sources", "segment%d" % series.GetGlobalID(), series)
    return train(work, "segment", series, "BlobLabel", "segmentation", "segnet-small", epochs, BatchSize=4,
                 LearningRate=0.003)


def fetch(proxy, port=0, time=None):
    if time is None:
        proxy.UpdatePipeline()
    else:
        proxy.UpdatePipeline(time)
    return servermanager.Fetch(proxy, idx=port) if port else servermanager.Fetch(proxy)


def raw_field(image, arrays=("Intensity",)):
    """Point arrays of an image as a (C, [z,] y, x) float64 array (flat images are 2-D)."""
    nx, ny, nz = image.GetDimensions()
    shape = (ny, nx) if nz == 1 else (nz, ny, nx)
    return numpy.stack([nvtest.point_array(image, a).astype(numpy.float64).reshape(shape) for a in arrays])


def oracle(model, field, tasks):
    """Runs the PyTorch oracle on `field` (C, spatial...) raw values; returns {name: array}.
    A task's "region" may be a numpy array of weights over the output positions."""
    work = tempfile.mkdtemp(prefix="nv-oracle-")
    numpy.save(os.path.join(work, "input.npy"), field)
    for i, task in enumerate(tasks):
        if task.get("region") is not None:
            path = os.path.join(work, "region%d.npy" % i)
            numpy.save(path, numpy.asarray(task["region"], dtype=numpy.float64).ravel())
            task = dict(task, region=path)
            tasks[i] = task
    request = {"model": model, "input": os.path.join(work, "input.npy"), "output": os.path.join(work, "out.npz"),
               "tasks": tasks}
    with open(os.path.join(work, "request.json"), "w") as f:
        json.dump(request, f)
    python = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
    # Open MPI's variables of an mpirun parent must not reach the oracle.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMIX_"))}
    done = subprocess.run([python, os.path.join(HERE, "onnx_torch_oracle.py"), os.path.join(work, "request.json")],
                          capture_output=True, text=True, env=env)
    check(done.returncode == 0, "oracle failed: %s" % done.stderr[-3000:])
    with numpy.load(request["output"]) as data:
        return {k: data[k] for k in data.files}
