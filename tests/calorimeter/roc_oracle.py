"""scikit-learn's ROC for the ROC Curve test (runs in /usr/bin/python3).

    roc_oracle.py IN.npz OUT.json   IN holds cases as scores_<name> and labels_<name>; OUT gets,
                                    per case, roc_curve (both drop_intermediate settings) and roc_auc_score
"""

import json
import sys

import numpy
from sklearn.metrics import roc_auc_score, roc_curve

data = numpy.load(sys.argv[1])
results = {}
for key in data.files:
    if not key.startswith("scores_"):
        continue
    name = key[len("scores_"):]
    scores, labels = data[key], data["labels_" + name]
    result = {"auc": float(roc_auc_score(labels, scores))}
    for drop in (True, False):
        fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=drop)
        # sklearn >= 1.3 uses +inf for the first threshold, older versions max + 1: compare the others.
        result["drop" if drop else "all"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(),
                                             "thresholds": thresholds[1:].tolist()}
    results[name] = result
with open(sys.argv[2], "w") as f:
    json.dump(results, f)
