"""Particle identification from CaloGAN-like showers: e+, gamma or pi+?

    pvbatch examples/calorimeter_particle_id.py OUTPUT_DIR [--quick] [--reuse-model] [--pictures-only]

1. SyntheticCalorimeter (CaloGAN mode) generates showers of e+, photons and
   pi+ of 1-100 GeV, one event per time step; its "Network Input" port puts
   the three layers on a 12 x 12 grid (channels layer_0, layer_1, layer_2).
2. A Calculator per layer takes log(1 + E/MeV), so that 1 GeV and 100 GeV
   showers have comparable inputs; TrainNetwork (classification, label
   ParticleType) trains a small CNN (calorimeter_pid_network.json).
3. ApplyNetwork scores independent showers (all at once, as blocks); the
   script prints the accuracy and the confusion matrix.
4. Physics baselines on shower-shape features of the same showers (deposited
   energy, layer fractions, shower depth, lateral widths per layer, core
   fraction): gradient-boosted trees and a logistic regression
   (scikit-learn in Debian's python3, through calorimeter_baselines.py).
   ROC curves of two separations -- electromagnetic showers (e+, gamma)
   against pi+, and gamma against e+ -- come from the ROC Curve filter for
   all three classifiers.
Pictures: calorimeter_showers.png (one shower per particle type, three
layers each), calorimeter_confusion.png, calorimeter_pid_results.png
(training curve and ROC curves); numbers in calorimeter_pid_metrics.json and
the table calorimeter_particle_id.md.
"""

import json
import os
import sys
import time

import numpy
from paraview import servermanager
from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
quick = "--quick" in sys.argv
reuse = "--reuse-model" in sys.argv  # skip training when the model file exists
pictures_only = "--pictures-only" in sys.argv  # redraw the pictures of an earlier run from its metrics
out_dir = args[0] if args else "output"
os.makedirs(out_dir, exist_ok=True)
neuralview_plugin.load(globals())
from neuralview import calorimeter  # noqa: E402

TRAIN, TEST, EPOCHS = (400, 400, 3) if quick else (3000, 3000, 8)
here = os.path.dirname(os.path.abspath(__file__))
architecture = os.path.join(here, "calorimeter_pid_network.json")
model = os.path.join(out_dir, "calorimeter_pid.onnx")
oracle = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"


def helper(*arguments):
    """Run calorimeter_baselines.py (scikit-learn, matplotlib) in Debian's python3."""
    import subprocess

    done = subprocess.run([oracle, os.path.join(here, "calorimeter_baselines.py")] + list(arguments),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("calorimeter_baselines.py %s failed: %s" % (arguments[0], done.stderr[-3000:]))


def log_layers(source):
    """log(1 + E) of the three layers (negative noise clipped at zero), as layer_k_log."""
    x = source
    for k in range(3):
        x = Calculator(Input=x, AttributeType="Cell Data", ResultArrayName="layer_%d_log" % k,
                       Function="ln(1 + max(layer_%d, 0))" % k)
    return x


start = time.time()
metrics_file = os.path.join(out_dir, "calorimeter_pid_metrics.json")
if pictures_only:  # the numbers of an earlier run: draw its pictures again
    with open(metrics_file) as f:
        metrics = json.load(f)
    confusion, accuracy, TEST = numpy.array(metrics["confusion"]), metrics["accuracy"], metrics["test_events"]
else:
    history_file = os.path.join(out_dir, "calorimeter_pid_history.json")
    if reuse and os.path.isfile(model) and os.path.isfile(history_file):
        with open(history_file) as f:
            history = json.load(f)
    else:
        train_events = calorimeter.showers(events=TRAIN, seed=101)
        trainer = TrainNetwork(Input=log_layers(OutputPort(train_events, 1)),
                               InputArrays=["layer_0_log", "layer_1_log", "layer_2_log"], LabelArray="ParticleType",
                               Architecture=architecture, Epochs=EPOCHS, BatchSize=32, LearningRate=0.002,
                               ValidationFraction=0.15, Seed=3, ModelFile=model, ClassNames=calorimeter.PARTICLES)
        trainer.Task = 1  # classification
        trainer.UpdatePipeline()
        import neuralview  # noqa: E402

        history = neuralview.history(trainer)
        history["seconds_total"] = time.time() - start
        with open(history_file, "w") as f:
            json.dump(history, f)
    print("training: %d showers, %d epochs, %.0f s; validation accuracy per epoch %s" % (
        TRAIN, EPOCHS, history["seconds_total"], ["%.3f" % a for a in history["Accuracy"]]))

    # Independent showers, all at once as blocks.
    test_events = calorimeter.showers(events=TEST, seed=202, blocks=True)
    applied = ApplyNetwork(Input=log_layers(OutputPort(test_events, 1)), ModelFile=model)
    probability_names = ["Probability_" + p for p in calorimeter.PARTICLES]
    names = ["ParticleType", "Prediction", "IncidentEnergy"] + probability_names
    values = calorimeter.field_data(calorimeter.field_data_only(applied, names), names)
    truth, predicted = values["ParticleType"].astype(int), values["Prediction"].astype(int)
    cnn_probabilities = numpy.stack([values[n] for n in probability_names], axis=1)


    def confusion_of(predicted):
        matrix = numpy.zeros((3, 3), dtype=int)
        for t, p in zip(truth, predicted):
            matrix[t, p] += 1
        return matrix


    confusion = confusion_of(predicted)
    accuracy = float((truth == predicted).mean())
    low = values["IncidentEnergy"] < 10
    print("test accuracy %.3f on %d showers" % (accuracy, TEST))
    print("confusion matrix (rows: true e+, gamma, pi+; columns: predicted)")
    for k in range(3):
        print("  %-6s %s" % (calorimeter.PARTICLES[k], " ".join("%6d" % v for v in confusion[k])))

    # Physics baselines on shower-shape features of the same showers (the
    # training showers again, as blocks: same seed, same showers).
    x_train, y_train = calorimeter.shower_features(calorimeter.showers(events=TRAIN, seed=101, blocks=True))
    x_test, y_test = calorimeter.shower_features(test_events)
    if not numpy.array_equal(y_test, truth):
        raise RuntimeError("shower features and network scores are not in the same event order")
    features_file = os.path.join(out_dir, "calorimeter_pid_features.npz")
    scores_file = os.path.join(out_dir, "calorimeter_pid_baseline_scores.npz")
    numpy.savez(features_file, x_train=x_train, y_train=y_train, x_test=x_test,
                names=numpy.array(calorimeter.SHOWER_FEATURES))
    helper("fit", features_file, scores_file)
    baseline = numpy.load(scores_file)
    probabilities = {"CNN": cnn_probabilities, "gradient-boosted trees": baseline["gbt"],
                     "logistic regression": baseline["logistic"]}

    # Two separations, each a ROC curve from the ROC Curve filter:
    #   electromagnetic (e+ or gamma, positive) against pi+: score P(e+) + P(gamma);
    #   gamma (positive) against e+, among e+ and gamma showers: P(gamma) / (P(e+) + P(gamma)).
    em = truth != 2
    rows, curves = [], []
    styles = {"CNN": "tab:blue", "gradient-boosted trees": "tab:red", "logistic regression": "tab:gray"}
    for name, prob in probabilities.items():
        r_em = calorimeter.roc(prob[:, 0] + prob[:, 1], em.astype(int))
        pair = em
        r_ge = calorimeter.roc(prob[pair, 1] / numpy.maximum(prob[pair, 0] + prob[pair, 1], 1e-12),
                               (truth[pair] == 1).astype(int))
        guess = prob.argmax(axis=1)
        row = {"method": name, "accuracy": float((guess == truth).mean()),
               "accuracy_below_10GeV": float((guess[low] == truth[low]).mean()),
               "accuracy_above_10GeV": float((guess[~low] == truth[~low]).mean()),
               "auc_em_vs_pion": r_em["auc"], "auc_gamma_vs_positron": r_ge["auc"],
               "em_efficiency_at_pion_1pct": float(numpy.interp(0.01, r_em["fpr"], r_em["tpr"])),
               "gamma_efficiency_at_positron_10pct": float(numpy.interp(0.1, r_ge["fpr"], r_ge["tpr"])),
               "confusion": confusion_of(guess).tolist()}
        rows.append(row)
        short = name.split(" (")[0]
        curves.append({"method": name, "label": "e+/gamma vs pi+, " + short, "auc": r_em["auc"], "color": styles[name],
                       "style": "-", "fpr": r_em["fpr"].tolist(), "tpr": r_em["tpr"].tolist()})
        curves.append({"method": name, "label": "gamma vs e+, " + short, "auc": r_ge["auc"], "color": styles[name],
                       "style": "--", "fpr": r_ge["fpr"].tolist(), "tpr": r_ge["tpr"].tolist()})

    described = {"CNN": "CNN (12 x 12 x 3 layer images)", "gradient-boosted trees": "gradient-boosted trees (shower shapes)",
                 "logistic regression": "logistic regression (shower shapes)"}
    n_em, n_pion, n_gamma, n_positron = int(em.sum()), int((~em).sum()), int((truth == 1).sum()), int((truth == 0).sum())
    table = ["| method (inputs) | accuracy (3 classes) | below 10 GeV | AUC e+/γ vs π+ | e+/γ eff. at π+ eff. 1 % | "
             "AUC γ vs e+ | γ eff. at e+ eff. 10 % |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        table.append("| %s | %.3f | %.3f | %.4f | %.3f | %.3f | %.3f |" % (
            described[row["method"]], row["accuracy"], row["accuracy_below_10GeV"], row["auc_em_vs_pion"],
            row["em_efficiency_at_pion_1pct"], row["auc_gamma_vs_positron"], row["gamma_efficiency_at_positron_10pct"]))
    table = "\n".join(table)
    print(table)
    with open(os.path.join(out_dir, "calorimeter_particle_id.md"), "w") as f:
        f.write(table + "\n")
    metrics = {"train_events": TRAIN, "test_events": TEST, "epochs": EPOCHS, "accuracy": accuracy,
               "test_counts": {"e+": n_positron, "gamma": n_gamma, "pi+": n_pion},
               "per_class_recall": {calorimeter.PARTICLES[k]: float(confusion[k, k] / confusion[k].sum()) for k in range(3)},
               "confusion": confusion.tolist(), "validation_accuracy": history["Accuracy"],
               "train_seconds": history["seconds_total"], "methods": rows, "shower_features": calorimeter.SHOWER_FEATURES}
    with open(os.path.join(out_dir, "calorimeter_pid_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)

    results = {
        "history": {k: history[k] for k in ("Epoch", "TrainLoss", "ValidationLoss", "Accuracy")},
        "history_metric": "Accuracy",
        "history_title": "CNN training: %d showers (%.0f s)" % (TRAIN, history["seconds_total"]),
        "roc_title": "ROC on %d independent showers" % TEST, "curves": curves, "fpr_min": 1e-3 if not quick else 1e-2,
        "xlabel": "false positive rate (pi+ for e+/gamma; e+ for gamma)", "ylabel": "true positive rate",
    }
    results_file = os.path.join(out_dir, "calorimeter_pid_results.json")
    with open(results_file, "w") as f:
        json.dump(results, f)
    picture = os.path.join(out_dir, "calorimeter_pid_results.png")
    helper("plot", results_file, picture)
    print("wrote", picture)

# ---------------------------------------------------------------- pictures
# One 30 GeV shower of each particle, its three layers side by side: the
# layers of each event are laid out in a plane (x: layer, y: particle) as
# flat images, cell energies clipped at 0.5 MeV for the logarithmic colours.
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkMultiBlockDataSet  # noqa: E402
from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy  # noqa: E402


def white_view(size):
    view = CreateRenderView()
    view.ViewSize = size
    view.OrientationAxesVisibility = 0
    try:
        view.UseColorPaletteForBackground = 0
    except AttributeError:
        pass
    view.Background = [1, 1, 1]
    return view


def label(view, text, position, size=16, color=(0, 0, 0)):
    shown = Show(Text(Text=text), view)
    shown.WindowLocation = "Any Location"
    shown.Position = position
    shown.FontSize = size
    shown.Color = list(color)
    return shown


def top_camera(view, center, half_height):
    """Parallel projection looking down z at `center`, `half_height` world units to the top edge."""
    view.CameraParallelProjection = 1
    view.CameraFocalPoint = [center[0], center[1], 0.0]
    view.CameraPosition = [center[0], center[1], 1000.0]
    view.CameraViewUp = [0, 1, 0]
    view.CameraParallelScale = half_height


gallery = vtkMultiBlockDataSet()
pitch = 600.0
for row, particle in enumerate(calorimeter.PARTICLES):
    # For the pion, the first seed whose shower starts early enough to leave
    # over 1 GeV in the middle layer (many pions cross it as a track).
    for seed in range(7, 60):
        shower = calorimeter.showers(events=1, seed=seed, particle=particle, energy=(30, 30))
        layers = servermanager.Fetch(shower)
        if particle != "pi+" or vtk_to_numpy(layers.GetBlock(1).GetCellData().GetArray("Energy")).sum() > 1000:
            break
    for layer in range(3):
        source_image = layers.GetBlock(layer)
        nx, ny, _ = source_image.GetDimensions()
        flat = vtkImageData()
        flat.SetDimensions(nx, ny, 1)
        flat.SetSpacing(source_image.GetSpacing()[0], source_image.GetSpacing()[1], 1.0)
        flat.SetOrigin(-240.0 + layer * pitch, -240.0 - row * pitch, 0.0)
        energy = numpy.maximum(vtk_to_numpy(source_image.GetCellData().GetArray("Energy")), 0.5)
        array = numpy_to_vtk(numpy.ascontiguousarray(energy, dtype=numpy.float64), deep=1)
        array.SetName("Energy")
        flat.GetCellData().AddArray(array)
        gallery.SetBlock(3 * row + layer, flat)
producer = PVTrivialProducer()
producer.GetClientSideObject().SetOutput(gallery)
view = white_view([1500, 1050])
display = Show(producer, view)
display.Representation = "Surface"
display.Ambient, display.Diffuse = 1.0, 0.0  # flat colours, no shading
ColorBy(display, ("CELLS", "Energy"))
lut = GetColorTransferFunction("Energy")
lut.ApplyPreset("Inferno (matplotlib)", True)
lut.InvertTransferFunction()  # empty cells light, hot cells dark
lut.UseLogScale = 1
lut.AutomaticRescaleRangeMode = "Never"
lut.RescaleTransferFunction(0.5, 3000.0)
for row, particle in enumerate(calorimeter.PARTICLES):
    label(view, particle, [0.01, 0.74 - 0.305 * row], 22)
for layer, name in enumerate(("layer_0: 3 x 96, 3 X0", "layer_1: 12 x 12, 16 X0", "layer_2: 12 x 6, 2 X0")):
    label(view, name, [0.24 + 0.215 * layer, 0.955])
label(view, "30 GeV showers (the pion: one that starts showering early); each layer 480 mm x 480 mm", [0.22, 0.01], 14)
bar = GetScalarBar(lut, view)
bar.Title, bar.ComponentTitle = "cell energy (MeV)", ""
bar.TitleColor = bar.LabelColor = [0, 0, 0]
bar.Visibility = 1
bar.WindowLocation = "Any Location"
bar.Position = [0.9, 0.25]
bar.ScalarBarLength = 0.5
top_camera(view, [pitch - 40.0, -pitch, 0.0], 1.62 * pitch)
picture = os.path.join(out_dir, "calorimeter_showers.png")
SaveScreenshot(picture, view, ImageResolution=[1500, 1050])
print("wrote", picture)

# Confusion matrix as a 3 x 3 image of row fractions with the counts.
fractions = confusion / numpy.maximum(confusion.sum(axis=1, keepdims=True), 1)
grid = vtkImageData()
grid.SetDimensions(4, 4, 1)
array = numpy_to_vtk(numpy.ascontiguousarray(numpy.flipud(fractions).ravel()), deep=1)  # true e+ on top
array.SetName("fraction")
grid.GetCellData().AddArray(array)
matrix = PVTrivialProducer()
matrix.GetClientSideObject().SetOutput(grid)
cview = white_view([700, 700])
shown = Show(matrix, cview)
shown.Representation = "Surface"
shown.Ambient, shown.Diffuse = 1.0, 0.0
ColorBy(shown, ("CELLS", "fraction"))
clut = GetColorTransferFunction("fraction")
clut.ApplyPreset("Blues", True)
clut.InvertTransferFunction()  # large fractions dark
clut.AutomaticRescaleRangeMode = "Never"
clut.RescaleTransferFunction(0.0, 1.0)
shown.SetScalarBarVisibility(cview, False)
for k in range(3):
    for j in range(3):
        label(cview, "%d\n%.1f %%" % (confusion[k, j], 100 * fractions[k, j]), [0.315 + 0.233 * j, 0.7 - 0.233 * k], 18,
              (0, 0, 0) if fractions[k, j] < 0.6 else (1, 1, 1))
for k, name in enumerate(calorimeter.PARTICLES):
    label(cview, "true " + name, [0.01, 0.72 - 0.233 * k], 15)
    label(cview, "predicted " + name, [0.28 + 0.233 * k, 0.1], 15)
label(cview, "accuracy %.1f %% on %d showers" % (100 * accuracy, TEST), [0.22, 0.93], 18)
top_camera(cview, [1.1, 1.5, 0.0], 2.15)
picture = os.path.join(out_dir, "calorimeter_confusion.png")
SaveScreenshot(picture, cview, ImageResolution=[700, 700])
print("wrote", picture)


def cpu_seconds():
    """CPU seconds of this process and its finished children (wall time means little on a shared machine)."""
    import resource

    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


print("total %.0f s wall, %.0f s CPU" % (time.time() - start, cpu_seconds()))
