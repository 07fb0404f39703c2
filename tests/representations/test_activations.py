"""pvpython: NetworkActivations against PyTorch running the same ONNX file.

A classifier-small network is trained in the test (2-D, and briefly in 3-D);
the oracle (onnx_torch_oracle.py) reads the ONNX file with python3-onnx and
evaluates it with float64 torch operations, so the engine, the channel
matching, the normalisation, the resampling and the grid geometry are all
checked against an independent computation. Tolerances: the engine runs in
float32 on activations of order 1-10 through two convolutions, which keeps
errors below 1e-5 relative; 1e-4 of the largest value leaves a margin for
oneDNN's summation order.
"""

import tempfile
import time

import inspect_support
import numpy
import nvtest
from inspect_support import fetch, oracle, raw_field
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
import neuralview  # noqa: E402  (embedded in the plugin)

started = time.time()
work = tempfile.mkdtemp(prefix="nv-activations-")
model = inspect_support.count_classifier(work, epochs=2)  # the values need not be good, only the same


def tolerance(expected):
    return 1e-4 * max(1.0, float(numpy.abs(expected).max()))


def channels(image, layer, count, shape):
    return numpy.stack([nvtest.point_array(image, "%s_%d" % (layer, c)).reshape(shape) for c in range(count)])


# A non-square field (24 x 20 points) catches swapped axes; two time steps.
source = GaussianBlobs(Dimensions=[24, 20, 1], NumberOfTimeSteps=2, Seed=5, NumberOfBlobs=2, BlobRadius=0.15)
image = fetch(source, time=0.0)
field = raw_field(image)  # (1, 20, 24)
origin, spacing = numpy.array(image.GetOrigin()), numpy.array(image.GetSpacing())

# The model's layers, as the oracle's reader lists them.
expected = oracle(model, field, [
    {"name": "relu1", "kind": "activation", "tensor": "relu1"},
    {"name": "pool", "kind": "activation", "tensor": "maxpool1"},
    {"name": "pool_linear", "kind": "activation", "tensor": "maxpool1", "resize": [20, 24]},
    {"name": "relu2", "kind": "activation", "tensor": "relu2"},
    {"name": "flat", "kind": "activation", "tensor": "flatten1"},
    {"name": "conv", "kind": "first_conv"}])
names = list(neuralview.layer_names(model))
check(names == [str(n) for n in expected["conv_names"]], "layer_names %s differs from the ONNX nodes %s" %
      (names, expected["conv_names"]))

# The GUI offers the same list: the Layer property's domain, filled from the LayerNames information property.
offered = neuralview.activations(source, model)
offered.UpdatePropertyInformation()
domain = offered.GetProperty("Layer").SMProperty.GetDomain("list")
check([domain.GetString(i) for i in range(domain.GetNumberOfStrings())] == names,
      "the Layer domain does not list the model's layers")

# Full-resolution layer on the native grid: the same grid as the input.
native = fetch(neuralview.activations(source, model, layer="relu1", resolution="native"), time=0.0)
check(native.GetDimensions() == (24, 20, 1), "relu1 native dims %s" % (native.GetDimensions(),))
check_close(channels(native, "relu1", 16, (20, 24)), expected["relu1"], tolerance(expected["relu1"]),
            "relu1 vs torch")

# A pooled layer on its native grid: half the points, twice the spacing,
# origin at the centre of each 2x2 block of input points.
pooled = neuralview.activations(source, model, layer="maxpool1", resolution="native", filter_weights=True)
native = fetch(pooled, time=0.0)
check(native.GetDimensions() == (12, 10, 1), "maxpool1 native dims %s" % (native.GetDimensions(),))
# The pipeline announces that grid (ParaView's surface extraction relies on the whole extent).
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline  # noqa: E402

announced = pooled.GetClientSideObject().GetOutputInformation(0).Get(vtkStreamingDemandDrivenPipeline.WHOLE_EXTENT())
check(tuple(announced) == (0, 11, 0, 9, 0, 0), "announced whole extent %s" % (announced,))
check_close(native.GetSpacing()[:2], 2 * spacing[:2], 1e-12, "native spacing")
check_close(native.GetOrigin()[:2], origin[:2] + 0.5 * spacing[:2], 1e-12, "native origin")
check_close(channels(native, "maxpool1", 16, (10, 12)), expected["pool"], tolerance(expected["pool"]),
            "maxpool1 native vs torch")
# The native image overlays the input: its bounds lie inside the input's, a half step in.
inner, outer = numpy.array(native.GetBounds()), numpy.array(image.GetBounds())
check_close(inner[:4], outer[:4] + numpy.array([0.5, -0.5, 0.5, -0.5]) * numpy.repeat(spacing[:2], 2), 1e-12,
            "native bounds")

# Filter weights of the convolution behind maxpool1 (through relu1, bn1):
# conv1's weights exactly as stored in the file.
weights = neuralview.inspect_layers.filter_weights(pooled)
check_close(weights, expected["conv_weight"], 1e-7, "conv1 filter weights vs the ONNX initializer")
blocks = fetch(pooled, port=1)
check(blocks.GetNumberOfBlocks() == 16, "%d filter images" % blocks.GetNumberOfBlocks())
check_close([blocks.GetBlock(c).GetFieldData().GetArray("Bias").GetValue(0) for c in range(16)],
            expected["conv_bias"], 1e-7, "conv1 biases")

# Input resolution, nearest: each pooled value covers its 2x2 block (numpy oracle).
nearest = fetch(neuralview.activations(source, model, layer="maxpool1", interpolation="nearest"), time=0.0)
check(nearest.GetDimensions() == (24, 20, 1), "nearest keeps the input grid")
check(nvtest.point_array(nearest, "Intensity") is not None, "input arrays are kept")
check_close(channels(nearest, "maxpool1", 16, (20, 24)), expected["pool"].repeat(2, axis=1).repeat(2, axis=2),
            tolerance(expected["pool"]), "maxpool1 nearest vs numpy repeat")
# Input resolution, linear: torch's interpolate (bilinear, align_corners=False).
linear = fetch(neuralview.activations(source, model, layer="maxpool1", interpolation="linear"), time=0.0)
check_close(channels(linear, "maxpool1", 16, (20, 24)), expected["pool_linear"],
            tolerance(expected["pool_linear"]), "maxpool1 linear vs torch interpolate")

# Default layer: the last feature map before the output (relu2; the global
# pool's 1x1 map is skipped). A layer without spatial axes: field data.
default = neuralview.activations(source, model, resolution="native")
out = fetch(default, time=0.0)
check(out.GetFieldData().GetAbstractArray("NetworkLayer").GetValue(0) == "relu2", "default layer is not relu2")
check_close(channels(out, "relu2", 32, (10, 12)), expected["relu2"], tolerance(expected["relu2"]), "relu2 vs torch")
flat = fetch(neuralview.activations(source, model, layer="flatten1"), time=0.0)
check_close(nvtest.field_array(flat, "flatten1").reshape(-1), expected["flat"], tolerance(expected["flat"]),
            "flatten1 (field data) vs torch")

# The second time step is another field, and gets its own activations.
image1 = fetch(source, time=1.0)
expected1 = oracle(model, raw_field(image1), [{"name": "relu2", "kind": "activation", "tensor": "relu2"}])
check(numpy.abs(expected1["relu2"] - expected["relu2"]).max() > 1e-3, "time steps do not differ: test is vacuous")
check_close(channels(fetch(default, time=1.0), "relu2", 32, (10, 12)), expected1["relu2"],
            tolerance(expected1["relu2"]), "relu2 at time step 1 vs torch")

# 3-D: a volume classifier, one pooled layer on its native grid.
volumes = GaussianBlobs(Dimensions=[8, 8, 8], NumberOfTimeSteps=4, Seed=3, NumberOfBlobs=1, RandomBlobCount=1,
                        BlobRadius=0.2)
model3 = inspect_support.train(work, "volumes", volumes, "BlobCount", "classification", "classifier-small", 1,
                               BatchSize=2, ValidationFraction=0.25)
volume = fetch(volumes, time=2.0)
expected3 = oracle(model3, raw_field(volume), [{"name": "pool", "kind": "activation", "tensor": "maxpool1"}])
out3 = fetch(neuralview.activations(volumes, model3, layer="maxpool1", resolution="native"), time=2.0)
check(out3.GetDimensions() == (4, 4, 4), "3-D native dims %s" % (out3.GetDimensions(),))
check_close(out3.GetOrigin(), numpy.array(volume.GetOrigin()) + 0.5 * numpy.array(volume.GetSpacing()), 1e-12,
            "3-D native origin")
check_close(channels(out3, "maxpool1", 16, (4, 4, 4)), expected3["pool"], tolerance(expected3["pool"]),
            "3-D maxpool1 vs torch")


# Bad input: clear errors naming the problem, no crash.
def error_of(proxy):
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    proxy.UpdatePipeline(0.0)
    print("expected error:", " ".join(catcher.messages).strip()[-300:])
    return " ".join(catcher.messages)


message = error_of(neuralview.activations(source, model, layer="no_such_layer"))
check("no layer 'no_such_layer'" in message and "relu1" in message and "logits" in message,
      "unknown layer: %r" % message)
message = error_of(neuralview.activations(source, work + "/missing.onnx"))
check("cannot read the model file" in message and "missing.onnx" in message, "missing model: %r" % message)
message = error_of(neuralview.activations(Wavelet(), model))
check("Intensity" in message and "RTData" in message, "missing channel array: %r" % message)
message = error_of(neuralview.activations(source, model, layer="flatten1", filter_weights=True))
check("Flatten" in message and "convolution" in message, "filter weights of a flatten layer: %r" % message)
message = error_of(neuralview.activations(volumes, model))
check("2-D" in message and "3-D" in message, "3-D field into a 2-D model: %r" % message)

print("NetworkActivations: OK in %.1f s" % (time.time() - started))
