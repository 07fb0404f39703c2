"""pvpython: NetworkAttribution against PyTorch autograd on the same ONNX file.

Two networks are trained in the test on generated blobs: a classifier that
tells a blob from pure noise (classifier-small) and a segmenter with a skip connection
(segnet-small). The oracle (onnx_torch_oracle.py) evaluates the ONNX file
with float64 torch operations and differentiates it with autograd.
Tolerances: float32 forward/backward through four layers stays within 1e-5
of the largest gradient; 1e-3 of the largest value leaves room for
oneDNN's summation order and the float32 inputs of the path points.
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
work = tempfile.mkdtemp(prefix="nv-attribution-")
classifier = inspect_support.count_classifier(work, epochs=5)
segmenter = inspect_support.blob_segmenter(work, epochs=3)
print("trained in %.1f s" % (time.time() - started))


def tolerance(expected, relative=1e-3):
    return relative * float(numpy.abs(expected).max())


def attribution_of(proxy):
    out = fetch(proxy)
    return out, nvtest.point_array(out, "Attribution").reshape(24, 24)


# One blob on a 24x24 field: the classifier's class 1 ("a blob is present").
source = GaussianBlobs(Dimensions=[24, 24, 1], Seed=8, NumberOfBlobs=1, BlobRadius=0.15)
image = fetch(source)
field = raw_field(image)
blob = nvtest.point_array(image, "BlobLabel").reshape(24, 24) == 1
check(blob.sum() > 10, "the generated blob is too small for the test")
steps = 16
expected = oracle(classifier, field, [
    {"name": "scores", "kind": "scores"},
    {"name": "saliency", "kind": "saliency", "channel": 1},
    {"name": "ig", "kind": "ig", "channel": 1, "steps": steps},
    {"name": "cam", "kind": "gradcam", "channel": 1, "layer": "relu2", "resize": [24, 24]},
    {"name": "cam1", "kind": "gradcam", "channel": 1, "layer": "relu1"}])
print("oracle class scores:", expected["scores"])
check(numpy.argmax(expected["scores"]) == 1, "the classifier does not see the blob: %s" % expected["scores"])

# Saliency: |d score / d normalised input|.
out, saliency = attribution_of(neuralview.attribution(source, classifier, method="saliency", target=1))
check_close(saliency, expected["saliency"][0], tolerance(expected["saliency"]), "saliency vs torch autograd")
check_close(nvtest.field_array(out, "AttributionScore"), expected["scores"][1:2], 1e-4, "explained score")
check(nvtest.field_array(out, "AttributionTarget")[0] == 1, "target class not recorded")

# Integrated gradients from the training mean (the zero of the normalised input).
out, ig = attribution_of(neuralview.attribution(source, classifier, method="ig", target=1, steps=steps))
check_close(ig, expected["ig"][0], tolerance(expected["ig"]), "integrated gradients vs torch")
score, baseline = nvtest.field_array(out, "AttributionScore")[0], nvtest.field_array(out, "AttributionBaselineScore")[0]
check_close([score, baseline], expected["ig_scores"], 1e-4, "scores at the input and the baseline")
# Completeness: the attributions sum to score(x) - score(baseline), up to the
# midpoint rule's error; the oracle's own quadrature with the same steps has
# the same error, so the comparison is with its sum, and with the true
# difference within 5 % (16 steps on a ReLU network).
check_close(ig.sum(), expected["ig"].sum(), 1e-3 * abs(expected["ig"]).sum(), "IG sum vs torch's")
check(abs(ig.sum() - (score - baseline)) <= 0.05 * abs(score - baseline),
      "IG completeness: sum %.4f vs score difference %.4f" % (ig.sum(), score - baseline))
print("IG completeness: sum %.5f, score difference %.5f" % (ig.sum(), score - baseline))

# Grad-CAM at the last feature map (the default layer), resampled like torch's bilinear interpolate.
out, cam = attribution_of(neuralview.attribution(source, classifier, method="gradcam", target=1))
check(out.GetFieldData().GetAbstractArray("AttributionLayer").GetValue(0) == "relu2", "default Grad-CAM layer")
check_close(cam, expected["cam"], tolerance(expected["cam"]), "Grad-CAM (relu2) vs torch")
# It highlights the blob that was counted: the hottest point lies on the blob
# and the map is far stronger on the blob than off it.
peak = numpy.unravel_index(numpy.argmax(cam), cam.shape)
inside, outside = cam[blob].mean(), cam[~blob].mean()
print("Grad-CAM mean on the blob %.4g, off it %.4g" % (inside, outside))
check(blob[peak], "Grad-CAM peak %s is not on the blob" % (peak,))
check(inside > 3 * outside, "Grad-CAM on the blob %.4g not 3x its mean elsewhere %.4g" % (inside, outside))
# At the first feature map (full resolution, no resampling).
out, cam1 = attribution_of(neuralview.attribution(source, classifier, method="gradcam", target=1, layer="relu1"))
check_close(cam1, expected["cam1"], tolerance(expected["cam1"]), "Grad-CAM (relu1) vs torch")

# Target -1: the class with the largest score.
out = fetch(neuralview.attribution(source, classifier, method="saliency"))
check(nvtest.field_array(out, "AttributionTarget")[0] == int(numpy.argmax(expected["scores"])), "target -1")

# --- Segmentation with a region: explain the class-1 logits summed over the blob points.
seg_source = GaussianBlobs(Dimensions=[24, 24, 1], Seed=4, NumberOfBlobs=2, BlobRadius=0.12)
seg_image = fetch(seg_source)
seg_field = raw_field(seg_image)
seg_blob = (nvtest.point_array(seg_image, "BlobLabel") == 1).astype(float)
# A box region: x in [2, 12], y in [5, 20] (unit spacing, origin 0).
xs, ys = numpy.meshgrid(numpy.arange(24), numpy.arange(24))
box = ((xs >= 2) & (xs <= 12) & (ys >= 5) & (ys <= 20)).astype(float).ravel()
seg_expected = oracle(segmenter, seg_field, [
    {"name": "saliency", "kind": "saliency", "channel": 1, "region": seg_blob},
    {"name": "box", "kind": "saliency", "channel": 1, "region": box},
    {"name": "both", "kind": "saliency", "channel": 1, "region": box * seg_blob},
    {"name": "cam_skip", "kind": "gradcam", "channel": 1, "layer": "relu1", "region": seg_blob}])
out, seg_saliency = attribution_of(neuralview.attribution(seg_source, segmenter, target=1, region_array="BlobLabel",
                                                          region_value=1))
check_close(seg_saliency, seg_expected["saliency"][0], tolerance(seg_expected["saliency"]),
            "saliency of the blob region vs torch")
_, box_saliency = attribution_of(neuralview.attribution(seg_source, segmenter, target=1,
                                                        region_bounds=[2, 12, 5, 20, -1, 1]))
check_close(box_saliency, seg_expected["box"][0], tolerance(seg_expected["box"]), "saliency of a box vs torch")
_, both = attribution_of(neuralview.attribution(seg_source, segmenter, target=1, region_array="BlobLabel",
                                                region_bounds=[2, 12, 5, 20, -1, 1]))
check_close(both, seg_expected["both"][0], tolerance(seg_expected["both"]), "saliency of blob and box vs torch")
# Grad-CAM at relu1, which the U-Net's skip connection bypasses (the engine's identity-probe path).
_, cam_skip = attribution_of(neuralview.attribution(seg_source, segmenter, method="gradcam", target=1,
                                                    layer="relu1", region_array="BlobLabel"))
check(float(seg_expected["cam_skip"].max()) > 0, "oracle Grad-CAM is zero: test is vacuous")
check_close(cam_skip, seg_expected["cam_skip"], tolerance(seg_expected["cam_skip"]),
            "Grad-CAM across the skip connection vs torch")


# Bad input: clear errors naming the problem, no crash.
def error_of(proxy):
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    proxy.UpdatePipeline()
    print("expected error:", " ".join(catcher.messages).strip()[-300:])
    return " ".join(catcher.messages)


message = error_of(neuralview.attribution(source, classifier, target=5))
check("TargetClass 5" in message and "2 outputs" in message, "target out of range: %r" % message)
message = error_of(neuralview.attribution(source, classifier, region_array="BlobLabel"))
check("region" in message and "output" in message, "region on a classifier: %r" % message)
message = error_of(neuralview.attribution(source, classifier, method="gradcam", layer="nope"))
check("no layer 'nope'" in message and "relu2" in message, "unknown Grad-CAM layer: %r" % message)
message = error_of(neuralview.attribution(source, classifier, method="gradcam", layer="flatten1"))
check("spatial" in message, "Grad-CAM on a flat layer: %r" % message)
message = error_of(neuralview.attribution(seg_source, segmenter, region_array="BlobLabel", region_value=7))
check("selects no point" in message, "empty region: %r" % message)
message = error_of(neuralview.attribution(seg_source, segmenter, region_array="NoSuchArray"))
check("NoSuchArray" in message, "missing region array: %r" % message)
message = error_of(neuralview.attribution(Wavelet(), classifier))
check("Intensity" in message, "missing channel: %r" % message)

print("NetworkAttribution: OK in %.1f s" % (time.time() - started))
