"""Classical classifiers for examples/climate_patches.py (run in Debian's
python3 with scikit-learn and matplotlib).

    python3 climate_patches_sklearn.py OUTPUT_DIR KEY...   -> prints {key: {method: accuracy}} as JSON
    python3 climate_patches_sklearn.py OUTPUT_DIR --plot   -> writes climate_patches.png
"""

import json
import os
import sys

import numpy

out_dir = sys.argv[1]


def classical(key):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    d = numpy.load(os.path.join(out_dir, "patches_%s.npz" % key))
    x = d["x"].reshape(len(d["x"]), -1).astype(numpy.float64)
    y, train, test = d["y"], d["train"], d["test"]
    scaler = StandardScaler().fit(x[train])
    xtr, xte = scaler.transform(x[train]), scaler.transform(x[test])
    models = {
        "logistic regression": LogisticRegression(max_iter=2000, C=0.1),
        "k-NN": KNeighborsClassifier(n_neighbors=5),
        "SVM": SVC(kernel="rbf", C=1.0, gamma="scale"),
        "random forest": RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=2),
    }
    return {name: float((m.fit(xtr, y[train]).predict(xte) == y[test]).mean()) for name, m in models.items()}


def plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = json.load(open(os.path.join(out_dir, "climate_patches_accuracy.json")))
    methods = ["CNN (Liu et al.)", "CNN (classifier-small)", "logistic regression", "k-NN", "SVM", "random forest"]
    tasks = list(results)
    fig = plt.figure(figsize=(15, 5.2))
    ax = fig.add_axes([0.05, 0.12, 0.38, 0.78])
    width = 0.14
    for k, m in enumerate(methods):
        ax.bar(numpy.arange(len(tasks)) + (k - 2.5) * width, [100 * results[t][m] for t in tasks], width, label=m)
    ax.set_xticks(numpy.arange(len(tasks)))
    ax.set_xticklabels(tasks)
    ax.set_ylim(50, 100)
    ax.set_ylabel("test accuracy (%)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Patch classification on held-out time steps")
    for t, task in enumerate(tasks):
        key = task.split()[0]
        d = numpy.load(os.path.join(out_dir, "patches_%s.npz" % key))
        for row, (label, what) in enumerate(((1, key), (0, "none"))):
            patch = d["x"][d["y"] == label][0]
            # TMQ (channel 5 of the cyclone patches, 0 of the river patches); rain for fronts.
            channel, shown = {"TC": (5, "TMQ"), "AR": (0, "TMQ"), "front": (1, "PRECT")}[key]
            a = fig.add_axes([0.48 + 0.175 * t, 0.52 - 0.42 * row, 0.16, 0.36])
            a.imshow(patch[channel], origin="lower", cmap="viridis")
            a.set_xticks([])
            a.set_yticks([])
            a.set_title("%s: %s, %s" % (task.split(" vs")[0], shown, what), fontsize=9)
    fig.savefig(os.path.join(out_dir, "climate_patches.png"), dpi=100)


if sys.argv[2] == "--plot":
    plot()
else:
    print(json.dumps({key: classical(key) for key in sys.argv[2:]}))
