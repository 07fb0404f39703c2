"""Bad input to NormalizeChannels gives a ParaView error naming the problem, and no crash."""

import nvtest
from nvtest import check
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
blobs = GaussianBlobs(Dimensions=[32, 32, 1])


def errors_of(**properties):
    f = NormalizeChannels(Input=properties.pop("Input", blobs))
    for name, value in properties.items():  # after creation, so domain defaults do not fill an empty list
        setattr(f, name, value)
    catcher = nvtest.ErrorCatcher(f.GetClientSideObject())
    f.UpdatePipeline()
    return " | ".join(catcher.messages)


message = errors_of(InputArrays=["NoSuchArray"])
check("NoSuchArray" in message, "missing array not named: %r" % message)

message = errors_of(InputArrays=[])
check("no input arrays" in message, "empty selection not reported: %r" % message)

nan_field = PythonCalculator(Input=blobs, Expression="Intensity / 0.0 * 0.0", ArrayName="Bad")
message = errors_of(Input=nan_field, InputArrays=["Bad"])
check("NaN" in message and "channel 0" in message, "NaN input not reported: %r" % message)

message = errors_of(InputArrays=["Intensity"], UseReferenceStatistics=1, ReferenceMean=[0.0, 1.0],
                    ReferenceStdDev=[1.0])
check("2 means" in message and "1 channels" in message, "reference size mismatch not reported: %r" % message)
print("bad input: OK")
