"""Bad input to TrainNetwork and ApplyNetwork: a ParaView error naming the problem, no crash."""

import os
import tempfile

import nvtest
from nvtest import check
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
work = tempfile.mkdtemp(prefix="nv-bad-")
blobs = GaussianBlobs(Dimensions=[16, 16, 1], NumberOfTimeSteps=4, Seed=1)


def errors_of(proxy_type, **properties):
    f = proxy_type(Input=properties.pop("Input", blobs))
    for name, value in properties.items():
        setattr(f, name, value)
    catcher = nvtest.ErrorCatcher(f.GetClientSideObject())
    f.UpdatePipeline()
    return " | ".join(catcher.messages)


# A good model to misuse: two channels, Intensity and Temperature.
model = os.path.join(work, "two_channels.onnx")
errors = errors_of(TrainNetwork, InputArrays=["Intensity", "Temperature"], LabelArray="BlobLabel", Epochs=1,
                   ModelFile=model)
check(not errors and os.path.isfile(model), "training the reference model failed: %s" % errors)

# Wrong arrays.
message = errors_of(TrainNetwork, InputArrays=["NoSuchArray"], LabelArray="BlobLabel", ModelFile=model + ".x")
check("NoSuchArray" in message, "missing input array not named: %r" % message)
message = errors_of(TrainNetwork, InputArrays=["Intensity"], LabelArray="NoLabel", ModelFile=model + ".x")
check("NoLabel" in message, "missing label array not named: %r" % message)
message = errors_of(TrainNetwork, InputArrays=["Intensity"], LabelArray="", ModelFile=model + ".x")
check("LabelArray" in message, "missing label not reported: %r" % message)

# NaN-filled arrays.
nan_field = PythonCalculator(Input=blobs, Expression="Intensity / 0.0 * 0.0", ArrayName="Bad")
message = errors_of(TrainNetwork, Input=nan_field, InputArrays=["Bad"], LabelArray="BlobLabel",
                    ModelFile=model + ".x")
check("NaN" in message, "NaN training input not reported: %r" % message)
message = errors_of(ApplyNetwork, Input=nan_field, ModelFile=model, ChannelMapping=["Intensity=Bad"])
check("NaN" in message, "NaN inference input not reported: %r" % message)

# A model for another channel count: the input lacks Temperature.
only_intensity = PassArrays(Input=blobs, PointDataArrays=["Intensity"])
message = errors_of(ApplyNetwork, Input=only_intensity, ModelFile=model)
check("Temperature" in message and "no matching array" in message, "missing channel not named: %r" % message)

# Missing and corrupt model files.
message = errors_of(ApplyNetwork, ModelFile=os.path.join(work, "absent.onnx"))
check("absent.onnx" in message, "missing model file not named: %r" % message)
corrupt = os.path.join(work, "corrupt.onnx")
with open(model, "rb") as f:
    data = f.read()
with open(corrupt, "wb") as f:
    f.write(data[: len(data) // 3])
message = errors_of(ApplyNetwork, ModelFile=corrupt)
check("not a valid ONNX" in message or "corrupt" in message or "truncated" in message,
      "corrupt model not reported: %r" % message)
message = errors_of(ApplyNetwork, ModelFile="")
check("ModelFile is not set" in message, "empty ModelFile not reported: %r" % message)

# An empty input: no samples to train on.
empty = ExtractSubset(Input=GaussianBlobs(Dimensions=[8, 8, 1]), VOI=[5, 4, 0, 7, 0, 0])
message = errors_of(TrainNetwork, Input=empty, InputArrays=["Intensity"], LabelArray="BlobLabel",
                    ModelFile=model + ".x")
check("no samples" in message or "no input arrays" in message or "Intensity" in message,
      "empty input not reported: %r" % message)

# A failed run never destroys the existing model.
check(os.path.getsize(model) == len(data), "the good model file was changed")
print("TrainNetwork/ApplyNetwork bad input: OK")
