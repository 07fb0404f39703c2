"""ApplyNetwork's Monte-Carlo dropout (UncertaintyPasses) in pvpython.

Trains a small U-Net with Dropout on noisy blobs, applies it with 16 passes
and checks what a user relies on:
- Probability arrays are distributions and Uncertainty is their predictive
  entropy, recomputed here with numpy;
- the predictions agree with the deterministic pass almost everywhere
  (dropout at 0.3 perturbs, it does not replace the model);
- uncertainty concentrates where the model is wrong or near blob edges:
  misclassified points are more uncertain on average than correct ones;
- the same UncertaintySeed reproduces the arrays exactly, another seed does not;
- a model without Dropout gives an error naming the problem.
"""

import os
import tempfile

import numpy
import nvtest
from nvtest import check
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
work = tempfile.mkdtemp(prefix="nv_uncertainty_")
here = os.path.dirname(os.path.abspath(__file__))

train = GaussianBlobs(Dimensions=[48, 48, 1], NumberOfTimeSteps=8, Seed=3, NumberOfBlobs=4, NoiseLevel=0.3)
model = os.path.join(work, "dropout.onnx")
trainer = TrainNetwork(Input=train, InputArrays=["Intensity"], LabelArray="BlobLabel",
                       Architecture=os.path.join(here, "unet_dropout.json"), Epochs=8, BatchSize=4, Seed=1,
                       LearningRate=0.01, ValidationFraction=0.0, ModelFile=model)
trainer.UpdatePipeline()
check(os.path.isfile(model), "no model written")

field = GaussianBlobs(Dimensions=[64, 64, 1], Seed=77, NumberOfBlobs=5, NoiseLevel=0.3)
plain = ApplyNetwork(Input=field, ModelFile=model)
plain.UpdatePipeline()
plain_out = servermanager.Fetch(plain)
check(plain_out.GetPointData().GetArray("Uncertainty") is None, "Uncertainty without UncertaintyPasses")


def monte_carlo(seed):
    applied = ApplyNetwork(Input=field, ModelFile=model, UncertaintyPasses=16, UncertaintySeed=seed)
    catcher = nvtest.ErrorCatcher(applied.GetClientSideObject())
    applied.UpdatePipeline()
    check(not catcher.messages, "errors: %s" % catcher.messages)
    out = servermanager.Fetch(applied)
    names = sorted(out.GetPointData().GetArrayName(i) for i in range(out.GetPointData().GetNumberOfArrays()))
    probabilities = numpy.stack([nvtest.point_array(out, n) for n in names if n.startswith("Probability_")])
    return out, probabilities, nvtest.point_array(out, "Uncertainty"), nvtest.point_array(out, "Prediction")


out, p, uncertainty, prediction = monte_carlo(4)
K = p.shape[0]
check(numpy.allclose(p.sum(axis=0), 1.0, atol=1e-5), "mean probabilities do not sum to 1")
entropy = -(p * numpy.log(numpy.clip(p, 1e-30, 1))).sum(axis=0)
check(numpy.allclose(uncertainty, entropy, atol=1e-5), "Uncertainty is not the entropy of the mean probabilities "
      "(largest difference %.3g)" % numpy.abs(uncertainty - entropy).max())
check(uncertainty.min() >= -1e-6 and uncertainty.max() <= numpy.log(K) + 1e-6, "entropy outside [0, log K]")
check(numpy.array_equal(prediction, p.argmax(axis=0)), "Prediction is not the arg max of the mean probabilities")

deterministic = nvtest.point_array(plain_out, "Prediction")
agreement = float(numpy.mean(prediction == deterministic))
labels = nvtest.point_array(out, "BlobLabel")
wrong = prediction != labels
print("agreement with the deterministic pass %.4f; accuracy %.4f; mean uncertainty wrong %.3f vs right %.3f" %
      (agreement, 1 - wrong.mean(), uncertainty[wrong].mean() if wrong.any() else float("nan"),
       uncertainty[~wrong].mean()))
# Dropout 0.3 in the bottleneck: a trained model's averaged vote changes only
# a few uncertain points.
check(agreement >= 0.97, "Monte-Carlo predictions agree with the deterministic pass at only %.3f" % agreement)
check(wrong.any(), "the model makes no mistakes on noisy blobs; the test cannot compare uncertainties")
check(uncertainty[wrong].mean() > 2 * uncertainty[~wrong].mean(),
      "misclassified points are not clearly more uncertain (%.3f vs %.3f)" %
      (uncertainty[wrong].mean(), uncertainty[~wrong].mean()))

_, p_again, u_again, _ = monte_carlo(4)
check(numpy.array_equal(u_again, uncertainty) and numpy.array_equal(p_again, p), "same seed, different result")
_, _, u_other, _ = monte_carlo(5)
check(not numpy.array_equal(u_other, uncertainty), "another seed gave identical masks")

# A model without Dropout.
nodrop = os.path.join(work, "nodrop.onnx")
TrainNetwork(Input=train, InputArrays=["Intensity"], LabelArray="BlobLabel", Architecture="segnet-small", Epochs=1,
             BatchSize=4, ValidationFraction=0.0, ModelFile=nodrop).UpdatePipeline()
bad = ApplyNetwork(Input=field, ModelFile=nodrop, UncertaintyPasses=4)
catcher = nvtest.ErrorCatcher(bad.GetClientSideObject())
bad.UpdatePipeline()
check(any("Dropout" in m for m in catcher.messages), "no error naming the missing Dropout: %s" % catcher.messages)
print("Monte-Carlo dropout: OK")
