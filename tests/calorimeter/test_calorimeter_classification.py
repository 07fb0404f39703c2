"""pvpython: small end-to-end classifications on calorimeter events.

1. Signal vs background: TrainNetwork (classifier-small) on 32 x 32
   whole-detector images, one event per time step; ApplyNetwork on
   independent events given as blocks; ROC Curve on ApplyNetwork's output.
   Bar: AUC >= 0.90 on the independent events. Justification: the summed
   transverse energy of the image alone (computed here) separates these
   classes with an AUC above 0.9 (gluino pairs of 2 x 1.4 TeV against QCD
   above 400 GeV), so a network that learned anything about the images
   reaches it; chance is 0.5.
2. Particle identification (e+, gamma, pi+) on the 12 x 12 network input of
   CaloGAN showers. Bar: accuracy >= 0.60 on independent showers. Chance is
   1/3; pions (deep, wide, mostly leaking) are separable from
   electromagnetic showers, and e+/gamma differ only through the photon's
   later start, so a network that separates pions but guesses e+/gamma
   scores about 2/3.
"""

import os
import tempfile
import time

import numpy
import nvtest
from nvtest import check
from paraview import servermanager
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
import neuralview  # noqa: E402
from neuralview import calorimeter  # noqa: E402
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

work = tempfile.mkdtemp(prefix="nv-calo-cls-")

# --- 1. Signal vs background.
start = time.time()
train = calorimeter.detector_events(events=160, seed=31, image_size=32)
model = os.path.join(work, "sb.onnx")
trainer = neuralview.train(OutputPort(train, 1), ["ECAL", "HCAL", "Tracks"], label="Signal", task="classification",
                           model_file=model, epochs=8, Architecture="classifier-small", BatchSize=16,
                           LearningRate=0.003, Seed=2, ValidationFraction=0.2, ClassNames=["background", "signal"])
history = neuralview.history(trainer)
print("signal/background training %.0f s, validation AUC per epoch %s" % (
    time.time() - start, ["%.3f" % a for a in history["AUC"]]))
test = calorimeter.detector_events(events=200, seed=32, image_size=32, blocks=True)
applied = ApplyNetwork(Input=OutputPort(test, 1), ModelFile=model)
roc_filter, roc = calorimeter.roc_of(applied)
values = calorimeter.field_data(applied, ["Signal", "Probability_signal"])
blocks = servermanager.Fetch(test)
summed = [sum(vtk_to_numpy(blocks.GetBlock(i).GetCellData().GetArray(c)).sum() for c in ("ECAL", "HCAL"))
          for i in range(200)]
baseline = calorimeter.roc(summed, values["Signal"])["auc"]
accuracy = float(((values["Probability_signal"] > 0.5) == (values["Signal"] == 1)).mean())
print("signal/background on 200 independent events: AUC %.3f, accuracy %.3f (summed E_T alone: AUC %.3f)" % (
    roc["auc"], accuracy, baseline))
check(roc["positives"] + roc["negatives"] == 200, "ROC counted %d events" % (roc["positives"] + roc["negatives"]))
check(roc["auc"] >= 0.90, "signal/background AUC %.3f below 0.90" % roc["auc"])

# --- 2. Particle identification.
start = time.time()
showers = calorimeter.showers(events=300, seed=41)
pid_model = os.path.join(work, "pid.onnx")
neuralview.train(OutputPort(showers, 1), ["layer_0", "layer_1", "layer_2"], label="ParticleType",
                 task="classification", model_file=pid_model, epochs=8, Architecture="classifier-small",
                 BatchSize=16, LearningRate=0.003, Seed=4, ValidationFraction=0.2, ClassNames=calorimeter.PARTICLES)
independent = calorimeter.showers(events=300, seed=42, blocks=True)
predicted = calorimeter.field_data(ApplyNetwork(Input=OutputPort(independent, 1), ModelFile=pid_model),
                                   ["ParticleType", "Prediction"])
truth, guess = predicted["ParticleType"].astype(int), predicted["Prediction"].astype(int)
accuracy = float((truth == guess).mean())
confusion = numpy.zeros((3, 3), dtype=int)
for t, p in zip(truth, guess):
    confusion[t, p] += 1
print("particle identification %.0f s: accuracy %.3f on 300 independent showers; confusion\n%s" % (
    time.time() - start, accuracy, confusion))
check(accuracy >= 0.60, "particle-identification accuracy %.3f below 0.60" % accuracy)
print("calorimeter classification: OK")
