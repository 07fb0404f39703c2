"""RPV-SUSY signal against QCD background on whole-detector images (hep_cnn).

    pvbatch examples/calorimeter_signal_background.py OUTPUT_DIR [--quick] [--reuse-model] [--pictures-only]

1. SyntheticCalorimeter (whole-detector mode) generates 64 x 64 (eta, phi)
   images with ECAL, HCAL and track-count channels, half gluino-pair signal
   (six quarks), half QCD multijets (hard scatter above 700 GeV), one event
   per time step; the truth jets and the cut-based benchmark selection of
   each event are its field data.
2. TrainNetwork trains the hepcnn reference network (classification, label
   Signal) on log(1 + E_T/GeV) of ECAL and HCAL and the track count
   (normalised by their training statistics, which the model stores).
3. Independent events (as blocks) go through ApplyNetwork; ROC Curve gives
   the ROC and its AUC, and the network's signal efficiency at the
   background efficiency of the cut-based selection, next to that
   selection's own signal efficiency (the seminar's "increased signal
   efficiency at the same background rejection").
4. Physics baselines on high-level jet features of the same events (number
   of jets, leading and fourth jet pT, summed pT and mass of the four leading
   jets, |delta eta| of the two leading): gradient-boosted trees and a
   logistic regression (scikit-learn, in Debian's python3, through
   calorimeter_baselines.py); their ROC curves also come from ROC Curve.
Pictures: calorimeter_sb_results.png (training curve and ROC curves) and
calorimeter_event.png (a signal and a background event with their truth
jets); numbers in calorimeter_signal_background_metrics.json and the table
calorimeter_signal_background.md.
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
pictures_only = "--pictures-only" in sys.argv  # draw the event picture again with the saved model
out_dir = args[0] if args else "output"
os.makedirs(out_dir, exist_ok=True)
neuralview_plugin.load(globals())
from neuralview import calorimeter  # noqa: E402
import neuralview  # noqa: E402

TRAIN, TEST, EPOCHS = (400, 400, 3) if quick else (2000, 4000, 4)
# QCD is generated above a hard-scatter pt of 700 GeV: the slice of the steeply
# falling spectrum that reaches the cut-based signal region (about 2 % of it
# does), as hep_cnn generated QCD in pt slices. Below it the selection's
# background efficiency is far under 1e-3, too small to measure here.
PT_MIN = 700.0
here = os.path.dirname(os.path.abspath(__file__))
model = os.path.join(out_dir, "calorimeter_hepcnn.onnx")
oracle = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"


def helper(*arguments):
    """Run calorimeter_baselines.py (scikit-learn, matplotlib) in Debian's python3."""
    import subprocess

    done = subprocess.run([oracle, os.path.join(here, "calorimeter_baselines.py")] + list(arguments),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("calorimeter_baselines.py %s failed: %s" % (arguments[0], done.stderr[-3000:]))


def log_channels(source):
    """log(1 + E_T/GeV) of ECAL and HCAL (negative noise clipped at zero): jet cores
    reach hundreds of GeV per cell, soft deposits are below one."""
    x = source
    for name in ("ECAL", "HCAL"):
        x = Calculator(Input=x, AttributeType="Cell Data", ResultArrayName=name + "_log",
                       Function="ln(1 + max(%s, 0))" % name)
    return x


INPUTS = ["ECAL_log", "HCAL_log", "Tracks"]
start = time.time()
if not pictures_only:  # --pictures-only: only the event picture, from the saved model
    train_events = calorimeter.detector_events(events=TRAIN, seed=11, BackgroundMinimumPt=PT_MIN)
    history_file = os.path.join(out_dir, "calorimeter_hepcnn_history.json")
    if reuse and os.path.isfile(model) and os.path.isfile(history_file):
        with open(history_file) as f:
            history = json.load(f)
    else:
        trainer = TrainNetwork(Input=log_channels(OutputPort(train_events, 1)), InputArrays=INPUTS,
                               LabelArray="Signal", Architecture="hepcnn", Epochs=EPOCHS, BatchSize=32,
                               LearningRate=0.001, ValidationFraction=0.1, Seed=5, ModelFile=model,
                               ClassNames=["background", "signal"])
        trainer.Task = 1  # classification
        trainer.UpdatePipeline()
        history = neuralview.history(trainer)
        history["seconds_total"] = time.time() - start
        with open(history_file, "w") as f:
            json.dump(history, f)
    train_seconds = history["seconds_total"]
    print("training: %d events, %d epochs, %.0f s; validation AUC per epoch %s" % (
        TRAIN, EPOCHS, train_seconds, ["%.4f" % a for a in history["AUC"]]))

    # Independent events, all at once as blocks.
    test_events = calorimeter.detector_events(events=TEST, seed=22, blocks=True, BackgroundMinimumPt=PT_MIN)
    applied = ApplyNetwork(Input=log_channels(OutputPort(test_events, 1)), ModelFile=model)
    names = ["Signal", "Probability_signal", "PassesSignalRegion", "PassesPreselection"]
    values = calorimeter.field_data(calorimeter.field_data_only(applied, names), names)
    labels, scores = values["Signal"].astype(int), values["Probability_signal"]
    cut_signal, cut_background = calorimeter.cut_based_efficiencies(labels, values["PassesSignalRegion"])
    roc_filter, roc = calorimeter.roc_of(applied, working_point=cut_background)
    accuracy = float(((scores > 0.5).astype(int) == labels).mean())
    n_background, n_signal = int((labels == 0).sum()), int((labels == 1).sum())
    print("test: %d events (%d background); CNN AUC %.4f, accuracy %.3f" % (TEST, n_background, roc["auc"], accuracy))

    # Physics baselines on the truth-jet features of the same training and test
    # events (the training events again, as blocks: same seed, same events).
    x_train, y_train, _ = calorimeter.jet_features(
        calorimeter.detector_events(events=TRAIN, seed=11, blocks=True, BackgroundMinimumPt=PT_MIN))
    x_test, y_test, _ = calorimeter.jet_features(test_events)
    if not numpy.array_equal(y_test, labels):
        raise RuntimeError("jet features and network scores are not in the same event order")
    features_file = os.path.join(out_dir, "calorimeter_sb_features.npz")
    scores_file = os.path.join(out_dir, "calorimeter_sb_baseline_scores.npz")
    numpy.savez(features_file, x_train=x_train, y_train=y_train, x_test=x_test,
                names=numpy.array(calorimeter.JET_FEATURES))
    helper("fit", features_file, scores_file)
    baseline_scores = numpy.load(scores_file)
    methods = {"CNN": roc}
    for name, key in (("gradient-boosted trees", "gbt"), ("logistic regression", "logistic")):
        methods[name] = calorimeter.roc(baseline_scores[key][:, 1], labels, working_point=cut_background)


    def efficiency_error(eff, n):
        return float(numpy.sqrt(max(eff * (1 - eff), 1.0 / n) / n))  # binomial; floor of one event


    # Efficiencies at fixed background rejection: the cut-based selection's own
    # background efficiency, and 1 % and 10 % (rejection 100 and 10).
    rows = []
    for name, r in methods.items():
        at_cut = r["signal_efficiency_at_working_point"]
        at = {fpr: float(numpy.interp(fpr, r["fpr"], r["tpr"])) for fpr in (0.01, 0.1)}
        rows.append({"method": name, "auc": r["auc"], "signal_efficiency_at_cut_background": at_cut,
                     "signal_efficiency_at_cut_background_error": efficiency_error(at_cut, n_signal),
                     "signal_efficiency_at_1pct": at[0.01], "signal_efficiency_at_10pct": at[0.1]})
    cut_row = {"method": "cut-based selection", "auc": None, "signal_efficiency_at_cut_background": cut_signal,
               "signal_efficiency_at_cut_background_error": efficiency_error(cut_signal, n_signal),
               "signal_efficiency_at_1pct": None, "signal_efficiency_at_10pct": None}
    rows.append(cut_row)

    features_label = "jet features: " + ", ".join(calorimeter.JET_FEATURES)
    table = ["| method (inputs) | AUC | signal eff. at the cuts' background eff. %.4f (%d of %d bkg.) | "
             "signal eff. at bkg. eff. 1 %% | at 10 %% |" % (cut_background, int(round(cut_background * n_background)),
                                                           n_background), "|---|---|---|---|---|"]
    described = {"CNN": "CNN hepcnn (64 x 64 x 3 images)", "gradient-boosted trees": "gradient-boosted trees (jet features)",
                 "logistic regression": "logistic regression (jet features)",
                 "cut-based selection": "cut-based selection (jet features)"}
    for row in rows:
        def f(v, fmt="%.3f"):
            return "–" if v is None else fmt % v
        table.append("| %s | %s | %.3f ± %.3f | %s | %s |" % (
            described[row["method"]], f(row["auc"]), row["signal_efficiency_at_cut_background"],
            row["signal_efficiency_at_cut_background_error"], f(row["signal_efficiency_at_1pct"]),
            f(row["signal_efficiency_at_10pct"])))
    table = "\n".join(table)
    print(table)
    with open(os.path.join(out_dir, "calorimeter_signal_background.md"), "w") as f:
        f.write(table + "\n")

    metrics = {
        "train_events": TRAIN, "test_events": TEST, "test_signal": n_signal, "test_background": n_background,
        "epochs": EPOCHS, "train_seconds": train_seconds, "auc": roc["auc"], "accuracy": accuracy,
        "cut_based_signal_efficiency": cut_signal, "cut_based_background_efficiency": cut_background,
        "cut_based_background_events": int(round(cut_background * n_background)),
        "network_signal_efficiency_at_cut_background": roc.get("signal_efficiency_at_working_point"),
        "preselection_signal_efficiency": calorimeter.cut_based_efficiencies(labels, values["PassesPreselection"])[0],
        "validation_auc": history["AUC"], "methods": rows, "jet_features": calorimeter.JET_FEATURES,
    }
    with open(os.path.join(out_dir, "calorimeter_signal_background_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    print("cut-based selection: signal efficiency %.3f at background efficiency %.4f (%d events)" % (
        cut_signal, cut_background, metrics["cut_based_background_events"]))
    print("CNN at the same background efficiency: signal efficiency %.3f" % (
        metrics["network_signal_efficiency_at_cut_background"] or float("nan")))

    # ---------------------------------------------------------------- training curve and ROC picture
    results = {
        "history": {k: history[k] for k in ("Epoch", "TrainLoss", "ValidationLoss", "AUC")}, "history_metric": "AUC",
        "history_title": "hepcnn training: %d events (%.0f s)" % (TRAIN, train_seconds),
        "roc_title": "RPV SUSY vs QCD: ROC on %d independent events" % TEST,
        "curves": [{"method": name, "label": described[name].split(" (")[0], "auc": r["auc"],
                    "fpr": r["fpr"].tolist(), "tpr": r["tpr"].tolist()} for name, r in methods.items()],
        "points": [{"fpr": max(cut_background, 1e-4), "tpr": cut_signal, "label": "cut-based selection (%.2f)" % cut_signal,
                    "marker": "*", "color": "black"}],
        "working_fpr": cut_background, "fpr_min": 1e-3 if not quick else 1e-2,
    }
    results_file = os.path.join(out_dir, "calorimeter_sb_results.json")
    with open(results_file, "w") as f:
        json.dump(results, f)
    picture = os.path.join(out_dir, "calorimeter_sb_results.png")
    helper("plot", results_file, picture)
    print("wrote", picture)

# ---------------------------------------------------------------- event picture
# A signal and a background event of the test sample (the first ones that
# pass the preselection), each alone through FirstEvent, with the truth jets.
first = calorimeter.detector_events(events=min(TEST, 60), seed=22, blocks=True, BackgroundMinimumPt=PT_MIN)
first_values = calorimeter.field_data(calorimeter.field_data_only(first, ["Signal", "PassesPreselection"]),
                                      ["Signal", "PassesPreselection"])
first_labels, first_preselected = first_values["Signal"].astype(int), first_values["PassesPreselection"] == 1
signal_index = int(numpy.flatnonzero((first_labels == 1) & first_preselected)[0])
background_candidates = numpy.flatnonzero((first_labels == 0) & first_preselected)
if background_candidates.size == 0:
    background_candidates = numpy.flatnonzero(first_labels == 0)
background_index = int(background_candidates[0])
layout = CreateLayout("event")
lut = GetColorTransferFunction("E_T")
lut.ApplyPreset("Viridis (matplotlib)", True)
lut.UseLogScale = 1
lut.AutomaticRescaleRangeMode = "Never"
lut.RescaleTransferFunction(0.3, 300.0)
views = []
for slot, (index, title) in enumerate(((signal_index, "RPV-SUSY signal"), (background_index, "QCD background"))):
    view = CreateRenderView()
    views.append(view)
    view.OrientationAxesVisibility = 0
    event = calorimeter.detector_events(events=1, seed=22, FirstEvent=index, BackgroundMinimumPt=PT_MIN)
    total = Calculator(Input=event, AttributeType="Cell Data", ResultArrayName="E_T",
                       Function="max(ECAL + HCAL, 0.3)")
    shown = Show(total, view)
    shown.Representation = "Surface"
    shown.Ambient, shown.Diffuse = 1.0, 0.0
    ColorBy(shown, ("CELLS", "E_T"))
    shown.LookupTable = lut
    shown.SetScalarBarVisibility(view, slot == 1)
    if slot == 1:
        bar = GetScalarBar(lut, view)
        bar.Title, bar.ComponentTitle = "E_T (GeV)", ""
        bar.WindowLocation = "Any Location"
        bar.Position = [0.81, 0.1]
        bar.AddRangeLabels = 0  # the end labels (1.0e+03) ran off the picture
        bar.ScalarBarLength = 0.6
    jet_display = Show(OutputPort(event, 2), view)
    ColorBy(jet_display, None)
    jet_display.AmbientColor = jet_display.DiffuseColor = [1.0, 0.35, 0.35]
    jet_display.LineWidth = 3
    fd = servermanager.Fetch(event).GetFieldData()
    pt, eta, mass = (fd.GetArray(n) for n in ("JetPt", "JetEta", "JetMass"))
    # The network's score of this event, applied to it alone (as in the test sample).
    score = calorimeter.field_data(ApplyNetwork(Input=log_channels(OutputPort(event, 1)), ModelFile=model),
                                   ["Probability_signal"])["Probability_signal"]
    lines = ["%s: event %d, network p(signal) = %.2f" % (title, index, float(numpy.ravel(score)[0]))]
    for j in range(min(pt.GetNumberOfTuples(), 6)):
        if pt.GetValue(j) < 100:
            break
        lines.append("jet %d: pT %4.0f GeV  eta %+.2f  m %4.0f GeV" % (j + 1, pt.GetValue(j), eta.GetValue(j),
                                                                    mass.GetValue(j)))
    lines.append("cut-based signal region: %s" % ("pass" if fd.GetArray("PassesSignalRegion").GetValue(0) else "fail"))
    text = Show(Text(Text="\n".join(lines)), view)
    text.WindowLocation = "Upper Left Corner"
    text.FontSize = 12
    text.FontFamily = "Courier"
    text.Justification = "Left"
    text.Color = [1, 1, 1]
    axes = Show(Text(Text="eta (x) from -2.5 to 2.5, phi (y) from -pi to pi; circles: anti-kt R = 1.0 truth jets"), view)
    axes.WindowLocation = "Lower Center"
    axes.FontSize = 11
    # Parallel projection onto the (eta, phi) plane, the whole image in view.
    view.CameraParallelProjection = 1
    # The image (phi from -pi to pi) in the lower three quarters, the text above it.
    view.CameraFocalPoint = [0.0, 0.9, 0.0]
    view.CameraPosition = [0.0, 0.9, 10.0]
    view.CameraViewUp = [0, 1, 0]
    view.CameraParallelScale = 4.6
AssignViewToLayout(views[0], layout, 0)
layout.SplitHorizontal(0, 0.5)
AssignViewToLayout(views[1], layout, 2)
picture = os.path.join(out_dir, "calorimeter_event.png")
SaveScreenshot(picture, layout, ImageResolution=[1600, 760])
print("wrote", picture)


def cpu_seconds():
    """CPU seconds of this process and its finished children (wall time means little on a shared machine)."""
    import resource

    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


print("total %.0f s wall, %.0f s CPU" % (time.time() - start, cpu_seconds()))
