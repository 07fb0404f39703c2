"""Physics baselines and plots for the calorimeter examples (run in Debian's
python3 with scikit-learn and matplotlib; the pvbatch scripts call it).

    python3 calorimeter_baselines.py fit FEATURES.npz SCORES.npz
        FEATURES.npz: x_train, y_train, x_test. Fits gradient-boosted trees
        and a logistic regression on the high-level features; SCORES.npz gets
        the class probabilities of the test events for each method.
    python3 calorimeter_baselines.py plot RESULTS.json PICTURE.png
        RESULTS.json (written by the pvbatch script): the training history
        and ROC curves (computed by NeuralView's ROC Curve filter); draws the
        training curve and the ROC curves side by side.
"""

import json
import sys

import numpy

METHODS = {"gradient-boosted trees": "gbt", "logistic regression": "logistic"}


def fit(features_file, scores_file):
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    d = numpy.load(features_file)
    x_train, y_train, x_test = d["x_train"], d["y_train"].astype(int), d["x_test"]
    models = {
        "gbt": GradientBoostingClassifier(n_estimators=200, max_depth=3, learning_rate=0.1, random_state=0),
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=1.0)),
    }
    numpy.savez(scores_file, **{key: m.fit(x_train, y_train).predict_proba(x_test) for key, m in models.items()})


def plot(results_file, picture):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = json.load(open(results_file))
    h = r["history"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.4))
    epochs = h["Epoch"]
    ax.plot(epochs, h["TrainLoss"], "o-", color="tab:blue", label="training loss")
    ax.plot(epochs, h["ValidationLoss"], "s-", color="tab:orange", label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_xticks(epochs)
    ax2 = ax.twinx()
    metric = r.get("history_metric", "AUC")
    metric_label = "validation " + ("AUC" if metric == "AUC" else metric.lower())
    ax2.plot(epochs, h[metric], "^--", color="tab:green", label=metric_label)
    ax2.set_ylabel(metric_label)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="center right", fontsize=8)
    ax.set_title(r.get("history_title", "TrainNetwork history"), fontsize=10)

    styles = {"CNN": ("tab:blue", "-", 2.2), "gradient-boosted trees": ("tab:red", "--", 1.5),
              "logistic regression": ("tab:gray", ":", 1.5)}
    for curve in r["curves"]:
        color, style, width = styles.get(curve["method"], ("k", "-", 1))
        if "color" in curve:
            color = curve["color"]
        fpr = numpy.asarray(curve["fpr"])
        tpr = numpy.asarray(curve["tpr"])
        keep = fpr > 0
        bx.plot(fpr[keep], tpr[keep], linestyle=curve.get("style", style), color=color, linewidth=width,
                label="%s (AUC %.3f)" % (curve["label"], curve["auc"]))
    for point in r.get("points", []):
        bx.plot([point["fpr"]], [point["tpr"]], point.get("marker", "o"), color=point.get("color", "k"),
                markersize=9, label=point["label"])
    if r.get("working_fpr"):
        bx.axvline(r["working_fpr"], color="0.6", linewidth=0.8, linestyle="--")
    bx.set_xscale("log")
    bx.set_xlim(r.get("fpr_min", 1e-3), 1.0)
    bx.set_ylim(0, 1.01)
    bx.set_xlabel(r.get("xlabel", "background efficiency (false positive rate)"))
    bx.set_ylabel(r.get("ylabel", "signal efficiency (true positive rate)"))
    bx.grid(alpha=0.3, which="both")
    bx.legend(loc="lower right", fontsize=7.5)
    bx.set_title(r.get("roc_title", "ROC on independent events"), fontsize=10)
    fig.tight_layout()
    fig.savefig(picture, dpi=80)


if __name__ == "__main__":
    {"fit": fit, "plot": plot}[sys.argv[1]](sys.argv[2], sys.argv[3])
