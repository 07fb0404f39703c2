"""pvpython: GaussianBlobs -> NormalizeChannels; values checked against numpy."""

import nvtest
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())

blobs = GaussianBlobs(Dimensions=[64, 48, 1], Seed=3, NumberOfBlobs=5)
norm = NormalizeChannels(Input=blobs, InputArrays=["Intensity", "Temperature"])
norm.UpdatePipeline()

raw = servermanager.Fetch(blobs)
out = servermanager.Fetch(norm)
check(out.GetNumberOfPoints() == 64 * 48, "unexpected point count %d" % out.GetNumberOfPoints())

intensity = nvtest.point_array(raw, "Intensity")
temperature = nvtest.point_array(raw, "Temperature")
expected, mean, std = nvtest.expected_normalization([intensity, temperature])
channels = nvtest.point_array(out, "NormalizedChannels")
# float32 output of (x - mean) / std with |values| < 10: 1e-5 covers its rounding.
check_close(channels, expected, 1e-5, "NormalizedChannels vs numpy")
check_close(nvtest.field_array(out, "ChannelMean"), mean, 1e-9 * abs(mean).max(), "ChannelMean")
check_close(nvtest.field_array(out, "ChannelStdDev"), std, 1e-9 * abs(std).max(), "ChannelStdDev")

array = out.GetPointData().GetArray("NormalizedChannels")
check(array.GetComponentName(0) == "Intensity" and array.GetComponentName(1) == "Temperature",
      "component names are not the channel names")

# The generator's label marks points within a blob radius: the mean Intensity
# there must be well above the background's (peak 1 vs noise of 0.1).
label = nvtest.point_array(raw, "BlobLabel")
check(label.min() == 0 and label.max() == 1, "BlobLabel is not binary")
check(intensity[label == 1].mean() > intensity[label == 0].mean() + 0.3, "blobs are not brighter than background")

# The statistics table, through the embedded Python module.
import neuralview  # noqa: E402  (embedded in the plugin)

stats = neuralview.channel_statistics(norm)
check(sorted(stats) == ["Intensity", "Temperature"], "table channels: %s" % sorted(stats))
check_close([stats["Intensity"]["mean"], stats["Temperature"]["stddev"]], [mean[0], std[1]], 1e-9 * 300,
            "statistics table")
check(stats["Intensity"]["count"] == 64 * 48, "table count")
check_close([stats["Intensity"]["minimum"], stats["Intensity"]["maximum"]], [intensity.min(), intensity.max()], 1e-6,
            "table extrema")

# Reference statistics reproduce a given normalisation exactly.
ref = NormalizeChannels(Input=blobs, InputArrays=["Intensity"], UseReferenceStatistics=1, ReferenceMean=[0.5],
                        ReferenceStdDev=[2.0])
ref_out = servermanager.Fetch(ref)
check_close(nvtest.point_array(ref_out, "NormalizedChannels"), (intensity - 0.5) / 2.0, 1e-6, "reference statistics")

# Helpers of the embedded module make the same pipeline.
helper_blobs = neuralview.gaussian_blobs(dimensions=(64, 48, 1), seed=3, NumberOfBlobs=5)
helper_norm = neuralview.normalize_channels(helper_blobs, ["Intensity", "Temperature"])
check_close(nvtest.point_array(servermanager.Fetch(helper_norm), "NormalizedChannels"), expected, 1e-5,
            "helper pipeline")

# 3-D and time series: each time step is a different field; seeds reproduce.
vol = GaussianBlobs(Dimensions=[16, 16, 16], Seed=1, NumberOfTimeSteps=3)
vol.UpdatePipeline(1.0)
a = nvtest.point_array(servermanager.Fetch(vol), "Intensity").copy()
vol.UpdatePipeline(2.0)
b = nvtest.point_array(servermanager.Fetch(vol), "Intensity").copy()
check(a.shape == (4096,) and abs(a - b).max() > 0.1, "time steps are not independent fields")
vol.UpdatePipeline(1.0)
check_close(nvtest.point_array(servermanager.Fetch(vol), "Intensity"), a, 0.0, "same step, same field")
print("pvpython NormalizeChannels: OK")
