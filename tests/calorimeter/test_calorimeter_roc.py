"""pvpython: the ROC Curve filter (nv::roc_curve / nv::roc_auc) against scikit-learn.

Scores with many ties (rounded to two decimals) and without, given as a
table through neuralview.calorimeter.roc() and as the field data of the
blocks of a collection; the curve, thresholds and AUC must equal
sklearn.metrics.roc_curve and roc_auc_score. The working point returns the
best true positive rate at a false positive rate no larger than asked.
"""

import json
import os
import subprocess
import tempfile

import numpy
import nvtest
from nvtest import check, check_close
from paraview import servermanager
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
from neuralview import calorimeter  # noqa: E402

work = tempfile.mkdtemp(prefix="nv-roc-")
oracle_python = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
oracle = os.path.join(os.path.dirname(os.path.abspath(__file__)), "roc_oracle.py")


def sklearn_roc(cases):
    """{name: (scores, labels)} -> {name: sklearn's results}, in one oracle process."""
    data, out = os.path.join(work, "in.npz"), os.path.join(work, "out.json")
    arrays = {}
    for name, (scores, labels) in cases.items():
        arrays["scores_" + name], arrays["labels_" + name] = scores, labels
    numpy.savez(data, **arrays)
    done = subprocess.run([oracle_python, oracle, data, out], capture_output=True, text=True)
    check(done.returncode == 0, "sklearn oracle failed: %s" % done.stderr[-2000:])
    with open(out) as f:
        return json.load(f)


rng = numpy.random.default_rng(5)
labels = (rng.uniform(size=600) < 0.4).astype(int)
continuous = rng.normal(loc=1.2 * labels, scale=1.0)
subset = 80
cases = {"continuous": (continuous, labels), "tied": (numpy.round(1 / (1 + numpy.exp(-continuous)), 2), labels),
         "blocks": (continuous[:subset], labels[:subset])}
sklearn = sklearn_roc(cases)
for name in ("continuous", "tied"):
    scores = cases[name][0]
    expected = sklearn[name]
    for drop, key in ((True, "drop"), (False, "all")):
        ours = calorimeter.roc(scores, labels, drop_intermediate=drop)
        check_close(ours["fpr"], expected[key]["fpr"], 1e-12, "%s fpr (drop_intermediate=%s)" % (name, drop))
        check_close(ours["tpr"], expected[key]["tpr"], 1e-12, "%s tpr (drop_intermediate=%s)" % (name, drop))
        check(numpy.isinf(ours["thresholds"][0]), "first threshold is not +inf")
        check_close(ours["thresholds"][1:], expected[key]["thresholds"], 1e-12, "%s thresholds" % name)
    check_close(ours["auc"], expected["auc"], 1e-12, "%s AUC" % name)
    print("%s scores: AUC %.6f (sklearn %.6f), %d points" % (name, ours["auc"], expected["auc"], len(ours["fpr"])))

# Working point: the largest TPR among all thresholds whose FPR <= 0.05 (computed here by brute force).
wp = calorimeter.roc(continuous, labels, working_point=0.05)
best = 0.0
for t in numpy.unique(continuous):
    selected = continuous >= t
    fpr = selected[labels == 0].mean()
    if fpr <= 0.05:
        best = max(best, selected[labels == 1].mean())
check_close(wp["signal_efficiency_at_working_point"], best, 1e-12, "signal efficiency at 5 % background")
threshold = wp["threshold_at_working_point"]
check_close((continuous[labels == 1] >= threshold).mean(), best, 1e-12, "threshold reproduces the efficiency")

# Field data of blocks (one sample per block), as after ApplyNetwork on EventsAsBlocks events.
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkMultiBlockDataSet  # noqa: E402
from vtkmodules.vtkCommonCore import vtkDoubleArray, vtkIntArray  # noqa: E402

blocks = vtkMultiBlockDataSet()
for i in range(subset):
    image = vtkImageData()
    image.SetDimensions(2, 2, 1)
    score, label = vtkDoubleArray(), vtkIntArray()
    score.SetName("Probability_signal")
    score.InsertNextValue(continuous[i])
    label.SetName("Signal")
    label.InsertNextValue(int(labels[i]))
    image.GetFieldData().AddArray(score)
    image.GetFieldData().AddArray(label)
    blocks.SetBlock(i, image)
producer = servermanager.sources.PVTrivialProducer()
producer.GetClientSideObject().SetOutput(blocks)
roc_filter, result = calorimeter.roc_of(producer)
expected = sklearn["blocks"]
check_close(result["fpr"], expected["drop"]["fpr"], 1e-12, "blocks fpr")
check_close(result["auc"], expected["auc"], 1e-12, "blocks AUC")
check(result["positives"] == int(labels[:subset].sum()), "positives counted")

# One class only: a clear error.
catcher = nvtest.ErrorCatcher(roc_filter.GetClientSideObject())
roc_filter.PositiveLabel = 7
roc_filter.UpdatePipeline()
check(any("all 80 samples are negative" in m for m in catcher.messages), "one-class error: %s" % catcher.messages)
print("ROC Curve vs scikit-learn: OK")
