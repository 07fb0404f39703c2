"""pvpython: end-to-end segmentation of cyclones and atmospheric rivers.

TrainNetwork (segnet-small, the four ClimateNet channels TMQ, U850, V850,
PSL, inverse-frequency class weights) learns from 24 synthetic time steps on
a 144 x 96 grid; ApplyNetwork predicts 4 held-out time steps of another seed,
scored with numpy against the generator's LABELS.

The bar: atmospheric-river IoU >= 0.5 and mean IoU over the three classes
>= 0.55 after 6 epochs. Predicting background everywhere scores a mean IoU of
about 0.33 (background IoU near 1, the others 0); longer training (48 steps,
12 epochs) reaches TC 0.66 / AR 0.88 on the same kind of fields, so the bar
leaves room for thread-count and platform differences while failing any
network that did not learn the features.
"""

import os
import tempfile

import numpy
import nvtest
from climate_support import fetch, field
from nvtest import check
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
import neuralview  # noqa: E402
from neuralview import climate  # noqa: E402

work = tempfile.mkdtemp(prefix="nv-climate-seg-")
model = os.path.join(work, "climate4.onnx")
train = SyntheticClimate(Dimensions=[144, 96], Seed=21, NumberOfTimeSteps=24)
trainer = neuralview.train(train, climate.CLIMATENET_CHANNELS, label="LABELS", task="segmentation", model_file=model,
                           epochs=6, Architecture="segnet-small", BatchSize=4, LearningRate=0.003, Seed=1,
                           ClassWeighting=1, ClassWeightPower=0.4, ClassNames=climate.CLASS_NAMES,
                           ValidationFraction=0.15)
history = neuralview.history(trainer)
print("training: loss %s, validation mean IoU %s" % (["%.3f" % v for v in history["TrainLoss"]],
                                                      ["%.3f" % v for v in history["MeanIoU"]]))
check(history["TrainLoss"][-1] < 0.6 * history["TrainLoss"][0], "training loss did not fall: %s" %
      history["TrainLoss"])

test = SyntheticClimate(Dimensions=[144, 96], Seed=4242, NumberOfTimeSteps=4)
applied = ApplyNetwork(Input=test, ModelFile=model)
predictions, truths = [], []
for step in range(4):
    out = fetch(applied, step)
    predictions.append(field(out, "Prediction"))
    truths.append(field(out, "LABELS"))
scores, mean_iou = climate.iou_scores(numpy.array(predictions), numpy.array(truths))
print("held-out IoU: background %.3f, TC %.3f, AR %.3f; mean %.3f" % (scores[0], scores[1], scores[2], mean_iou))
check(scores[2] >= 0.5, "atmospheric-river IoU %.3f below 0.5" % scores[2])
check(mean_iou >= 0.55, "mean IoU %.3f below 0.55" % mean_iou)
print("climate segmentation training: OK")
