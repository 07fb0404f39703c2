"""Cosmology workflow: regress the cosmological parameters (Omega_m, sigma_8, n_s, H0)
from 3-D dark-matter density volumes with the CosmoFlow network, judge it against
two baselines, and look at a real N-body snapshot.

    xvfb-run -a pvbatch examples/cosmology_regression.py OUTPUT_DIR [--quick]
        [--grid G] [--box MPC_PER_H] [--train N] [--test N] [--epochs E] [--batch B] [--lr L]
        [--time-limit S] [--show-grid G]

1. Generates training universes with SyntheticCosmology (Gaussian initial field
   with a Lambda-CDM spectrum, 2LPT, cloud-in-cell; four redshift channels;
   parameters drawn per universe in CosmoFlow's unitPar convention) and
   held-out universes from other seeds, which it writes as CosmoFlow HDF5
   files and reads back with CosmoFlowReader.
2. Trains a CosmoFlow network (TrainNetwork, Task Regression, Label Array
   unitPar) on log(1 + rho/mean rho) of the four channels: by default
   cosmology_network.json (the cosmoflow preset with batch normalisation and
   a global average pool); --architecture cosmoflow trains the preset itself.
3. Applies it (ApplyNetwork) to the held-out universes, never seen in training.
4. Baselines on the same universes: predicting the training mean, and ridge
   regression (scikit-learn, when importable) on the measured power spectrum
   log P(k) of the four channels: the classical summary statistic.
5. Writes a table (cosmology_results.csv / .md: MAE and R^2 per parameter),
   the predictions, the training history, and pictures: predicted against true per parameter, the
   training curve, the four channels of a slice, a volume rendering.
6. Reads the real GADGET-4 snapshot (../shared/data/real/cosmology, when
   present), deposits it onto the network's grid, extrapolates it to the four
   channel redshifts (Zel'dovich) and predicts its parameters, with caveats.

The default (384 training universes of 64^3 in 512 Mpc/h boxes, 24 epochs of
batch 8) takes about 22 minutes on 2 cores; --quick (48 universes of 32^3,
3 epochs) about 2 minutes and only checks that everything runs: its numbers
mean little.
"""

import csv
import math
import os
import sys
import time

from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

args = sys.argv[1:]
out_dir = args[0] if args and not args[0].startswith("--") else "output"
os.makedirs(out_dir, exist_ok=True)


def option(name, default):
    if name in args:
        return type(default)(args[args.index(name) + 1])
    return default


quick = "--quick" in args
GRID = option("--grid", 32 if quick else 64)       # points per side: the network reads GRID^3 x 4 channels
BOX = option("--box", 8.0 * GRID)                  # Mpc/h: 8 Mpc/h voxels
TRAIN = option("--train", 48 if quick else 384)    # training universes (10 % of them validate)
TEST = option("--test", 16 if quick else 64)       # held-out universes (other seeds)
EPOCHS = option("--epochs", 3 if quick else 24)
BATCH = option("--batch", 8)   # small batches: more steps for the same compute
LEARNING_RATE = option("--lr", 0.002)
TIME_LIMIT = option("--time-limit", 3600.0)        # seconds of training; the best epoch is kept
SHOW_GRID = option("--show-grid", 32 if quick else 128)
# The network: a preset name ("cosmoflow": the paper's network) or a JSON architecture file. The default is
# cosmoflow with batch normalisation and a global average pool (cosmology_network.json), which learns in
# the few hundred steps a 2-core run affords; the plain preset hardly leaves the mean (docs/cosmology.md).
HERE = os.path.dirname(os.path.abspath(__file__))
ARCHITECTURE = option("--architecture", os.path.join(HERE, "cosmology_network.json"))
ARCHITECTURE_NAME = os.path.splitext(os.path.basename(ARCHITECTURE))[0].replace("cosmology_network", "cosmoflow-bn")

neuralview_plugin.load(globals())
import matplotlib  # noqa: E402
import numpy  # noqa: E402
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

import neuralview  # noqa: E402  (embedded in the plugin)
from neuralview import cosmology  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAMES = cosmology.PARAMETERS
started = time.time()
print("cosmology example: %d training and %d held-out universes of %d^3 points, box %.0f Mpc/h, %d epochs" %
      (TRAIN, TEST, GRID, BOX, EPOCHS))


def small_png(path, limit=200 * 1024):
    """Re-save a picture with an adaptive palette (documentation pictures stay under ~200 KB)."""
    try:
        from PIL import Image
    except ImportError:
        return
    picture = Image.open(path).convert("RGB")
    for colours in (256, 128, 64):
        picture.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
        if os.path.getsize(path) < limit:
            break


def cube(data, name):
    dims = data.GetDimensions()
    return vtk_to_numpy(data.GetPointData().GetArray(name)).reshape(dims[2], dims[1], dims[0])


def spectrum_features(data):
    """log P(k) of the density contrast in 8 shells, for each of the four channels."""
    return numpy.concatenate([numpy.log(cosmology.power_spectrum(cube(data, name), BOX, bins=8)[1])
                              for name in cosmology.CHANNELS])


def summaries(source, count):
    """(unitPar, power-spectrum features) of each time step of a source."""
    targets, features = [], []
    for t in range(count):
        source.UpdatePipeline(float(t))
        data = servermanager.Fetch(source)
        targets.append(cosmology.field_values(data, "unitPar"))
        features.append(spectrum_features(data))
    return numpy.array(targets), numpy.array(features)


# --- First the pictures of one larger universe (the volume rendering needs the display only for
# these seconds): the four channels of a slice, and a volume rendering.
universe = cosmology.synthetic_universes(grid=SHOW_GRID, box=2.0 * SHOW_GRID, count=1, seed=7)
universe.UpdatePipeline()
volume = servermanager.Fetch(universe)
fig, axes = plt.subplots(1, 4, figsize=(14, 3.9), constrained_layout=True)
for ax, name, z in zip(axes, cosmology.LOG_CHANNELS, cosmology.REDSHIFTS):
    image = ax.imshow(cube(volume, name)[SHOW_GRID // 2], origin="lower", cmap="inferno", vmin=0.0, vmax=3.0,
                      extent=[0, 2.0 * SHOW_GRID, 0, 2.0 * SHOW_GRID])
    ax.set_title("z = %g" % z)
    ax.set_xlabel("x [Mpc/h]")
axes[0].set_ylabel("y [Mpc/h]")
fig.colorbar(image, ax=axes, shrink=0.8, label="log(1 + ρ/ρ̄)")
fig.savefig(os.path.join(out_dir, "cosmology_channels.png"), dpi=64)
small_png(os.path.join(out_dir, "cosmology_channels.png"))

view = CreateRenderView()
view.ViewSize = [640, 640]
view.OrientationAxesVisibility = 0
try:
    view.UseColorPaletteForBackground = 0
except AttributeError:
    pass
view.Background = [0.02, 0.02, 0.05]
display = Show(universe, view)
display.SetRepresentationType("Volume")
ColorBy(display, ("POINTS", "LogDensity_z0"))
lut = GetColorTransferFunction("LogDensity_z0")
lut.ApplyPreset("Inferno (matplotlib)", True)
top = universe.PointData["LogDensity_z0"].GetRange()[1]
lut.RescaleTransferFunction(math.log(2.0), top)
opacity = GetOpacityTransferFunction("LogDensity_z0")
# Transparent below twice the mean density: voids vanish, filaments and halos remain.
opacity.Points = [math.log(2.0), 0.0, 0.5, 0.0, math.log(4.0), 0.08, 0.5, 0.0, top, 0.6, 0.5, 0.0]
display.SetScalarBarVisibility(view, True)
bar = GetScalarBar(lut, view)
bar.Title, bar.ComponentTitle = "log(1 + rho/mean rho), z = 0", ""
title = Show(Text(Text="A synthetic universe: %.0f Mpc/h, %d^3 particles, 2LPT, z = 0" %
                  (2.0 * SHOW_GRID, SHOW_GRID)), view)
title.WindowLocation, title.FontSize = "Upper Center", 14
ResetCamera(view)
view.CameraPosition = [5.2 * SHOW_GRID, 3.8 * SHOW_GRID, 3.0 * SHOW_GRID]
view.CameraFocalPoint = [SHOW_GRID, SHOW_GRID, SHOW_GRID]
view.CameraViewUp = [0, 0, 1]
SaveScreenshot(os.path.join(out_dir, "cosmology_volume.png"), view, ImageResolution=[640, 640])
small_png(os.path.join(out_dir, "cosmology_volume.png"))
print("pictures of one universe (%d^3): %.0f s" % (SHOW_GRID, time.time() - started))

# --- 1. Universes: training ones from the source, held-out ones through CosmoFlow files.
training = cosmology.synthetic_universes(grid=GRID, box=BOX, count=TRAIN, seed=1)
train_u, train_x = summaries(training, TRAIN)
generated = cosmology.synthetic_universes(grid=GRID, box=BOX, count=TEST, seed=2)
files = [cosmology.write_cosmoflow(generated, os.path.join(out_dir, "heldout_%03d.hdf5" % t), time=t)
         for t in range(TEST)]
held_out = cosmology.read_cosmoflow(files)
test_u, test_x = summaries(held_out, TEST)
print("universes generated and summarised: %.0f s" % (time.time() - started))

# --- 2. Train the cosmoflow network.
model = os.path.join(out_dir, "cosmoflow.onnx")
training_started = time.time()
trainer = neuralview.train(training, cosmology.LOG_CHANNELS, label="unitPar", task="regression", model_file=model,
                           epochs=EPOCHS, Architecture=ARCHITECTURE, BatchSize=BATCH, LearningRate=LEARNING_RATE,
                           Schedule="cosine", ValidationFraction=0.1, Seed=0, TimeLimit=TIME_LIMIT)
history = neuralview.history(trainer)
training_seconds = time.time() - training_started
best_epoch = int(numpy.nanargmin(history["ValidationLoss"])) + 1
print("training: %.0f s, %d epochs, best validation loss %.4f at epoch %d" %
      (training_seconds, len(history["Epoch"]), numpy.nanmin(history["ValidationLoss"]), best_epoch))

# --- 3. Apply it to the held-out universes (read from the CosmoFlow files).
truth, predicted = cosmology.predict_universes(held_out, model)
truth, network = numpy.array(truth), numpy.array(predicted)
assert numpy.allclose(truth, test_u), "the reader's unitPar must be the one summarised"

# --- 4. Baselines: the training mean, and ridge regression on log P(k).
mean_prediction = numpy.tile(train_u.mean(axis=0), (TEST, 1))
methods = [("%s network" % ARCHITECTURE_NAME, network)]
try:
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=numpy.logspace(-3, 3, 25)))
    ridge.fit(train_x, train_u)
    methods.append(("ridge on log P(k)", numpy.clip(ridge.predict(test_x), -1.0, 1.0)))
except ImportError:
    print("scikit-learn is not importable in this Python: the power-spectrum baseline is skipped")
methods.append(("training mean", mean_prediction))


def mae(p):
    return numpy.abs(p - truth).mean(axis=0)


def r2(p):
    return 1.0 - ((p - truth) ** 2).sum(axis=0) / ((truth - truth.mean(axis=0)) ** 2).sum(axis=0)


# --- 5. Table, predictions, pictures.
with open(os.path.join(out_dir, "cosmology_predictions.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["universe"] + ["true_" + n for n in NAMES] +
               ["%s_%s" % (m.split()[0], n) for m, _ in methods[:-1] for n in NAMES])
    for k in range(TEST):
        w.writerow([k] + ["%.5f" % v for v in truth[k]] + ["%.5f" % v for _, p in methods[:-1] for v in p[k]])
with open(os.path.join(out_dir, "cosmology_results.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["method", "parameter", "mae_unitPar", "r2", "mae_physical"])
    for m, p in methods:
        for i, n in enumerate(NAMES):
            w.writerow([m, n, "%.4f" % mae(p)[i], "%.3f" % r2(p)[i],
                        "%.4g" % (mae(p)[i] * cosmology.SPREAD * cosmology.FIDUCIAL[i])])
        w.writerow([m, "mean", "%.4f" % mae(p).mean(), "%.3f" % r2(p).mean(), ""])

symbols = ["Ω_m", "σ_8", "n_s", "H0"]
table = ["| held-out MAE on unitPar (R²) | " + " | ".join(symbols) + " | mean MAE |",
         "|---|" + "---|" * 5]
for m, p in methods:
    table.append("| %s | " % m + " | ".join("%.3f (%.2f)" % (mae(p)[i], r2(p)[i]) for i in range(4)) +
                 " | %.3f |" % mae(p).mean())
table.append("| network MAE in physical units | " +
             " | ".join("%.3g" % (mae(network)[i] * cosmology.SPREAD * cosmology.FIDUCIAL[i]) for i in range(4)) +
             " | |")
with open(os.path.join(out_dir, "cosmology_results.md"), "w") as f:
    f.write("\n".join(table) + "\n")
print("held-out universes (%d): MAE on unitPar (R^2)" % TEST)
print("\n".join(table))

labels = [r"$\Omega_m$", r"$\sigma_8$", r"$n_s$", r"$H_0$"]
colours = {methods[0][0]: "tab:blue", "ridge on log P(k)": "tab:green"}
fig, axes = plt.subplots(1, 4, figsize=(16, 4.2))
for i, ax in enumerate(axes):
    lo, hi = 0.9 * cosmology.FIDUCIAL[i], 1.1 * cosmology.FIDUCIAL[i]
    phys = lambda u: cosmology.FIDUCIAL[i] * (1 + cosmology.SPREAD * u)  # noqa: E731
    ax.plot([lo, hi], [lo, hi], color="0.6", lw=1)
    ax.axhline(phys(train_u[:, i].mean()), color="tab:orange", lw=1, ls="--", label="training mean")
    for m, p in methods[:-1]:
        ax.scatter(phys(truth[:, i]), phys(p[:, i]), s=14, color=colours[m], alpha=0.8,
                   label="%s: MAE %.2f, R² %.2f" % (m, mae(p)[i], r2(p)[i]))
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("true " + labels[i])
    ax.set_ylabel("predicted " + labels[i])
    ax.set_title("%s (mean predictor: MAE %.2f)" % (labels[i], mae(mean_prediction)[i]), fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
fig.suptitle("%d held-out universes of %d$^3$ (%.0f Mpc/h); MAE on unitPar" % (TEST, GRID, BOX), fontsize=11)
fig.tight_layout()
fig.savefig(os.path.join(out_dir, "cosmology_predictions.png"), dpi=72)
small_png(os.path.join(out_dir, "cosmology_predictions.png"))

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
epochs = history["Epoch"]
ax.plot(epochs, history["TrainLoss"], label="training loss (MSE)")
ax.plot(epochs, history["ValidationLoss"], label="validation loss (MSE)")
ax.axhline(((train_u - train_u.mean(axis=0)) ** 2).mean(), color="tab:orange", ls="--", lw=1,
           label="predicting the mean")
ax.set_xlabel("epoch")
ax.set_yscale("log")
ax.set_title("%s, %d universes of %d$^3$, %.0f s on this machine" % (ARCHITECTURE_NAME, TRAIN, GRID,
                                                                     training_seconds),
             fontsize=10)
ax.legend(fontsize=8)
for i, n in enumerate(NAMES):
    column = "MAE_" + n if "MAE_" + n in history else "MAE_unitPar_%d" % i
    ax2.plot(epochs, history[column], label=labels[i])
ax2.set_xlabel("epoch")
ax2.set_yscale("log")
ax2.set_title("validation MAE on unitPar per parameter", fontsize=10)
ax2.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(out_dir, "cosmology_training.png"), dpi=72)
small_png(os.path.join(out_dir, "cosmology_training.png"))
with open(os.path.join(out_dir, "cosmology_training.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(list(history))
    w.writerows(zip(*history.values()))
print("pictures of the regression: %.0f s" % (time.time() - started))

# --- 6. The real GADGET snapshot.
snapshot = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                                         "real", "cosmology", "snapshot_000.hdf5"))
if os.path.isfile(snapshot):
    particles = cosmology.read_gadget(snapshot)
    deposited = cosmology.deposit(particles, dimensions=GRID, zeldovich=True, LogDensity=1)
    result = servermanager.Fetch(ApplyNetwork(Input=deposited, ModelFile=model))
    u = cosmology.field_values(result, "Prediction")
    phys = cosmology.unit_to_physical(u)
    header = {name: cosmology.field_values(result, name) for name in ("Redshift", "BoxSizeMpcPerH", "Omega0",
                                                                      "HubbleParam", "NumberOfParticles")}
    known = {"Omega_m": header["Omega0"][0] if header["Omega0"] else None,
             "H0": 100 * header["HubbleParam"][0] if header["HubbleParam"] else None}
    z, side, particles_count = header["Redshift"][0], header["BoxSizeMpcPerH"][0], header["NumberOfParticles"][0]
    lines = ["GADGET-4 snapshot: z = %.2f, box %.0f Mpc/h, %d dark-matter particles" % (z, side, particles_count)]
    for i, name in enumerate(NAMES):
        in_file = "%.3g" % known[name] if known.get(name) is not None else "not in the file"
        lines.append("  %-8s predicted %.3f (unitPar %+.2f)   snapshot: %s" % (name, phys[i], u[i], in_file))
    lines.append("  caveats: the snapshot is at z = %.1f (extrapolated to z = 0..3 with the Zel'dovich "
                 "approximation), its box is %.0f Mpc/h instead of %.0f, its voxels %.2f instead of %.1f "
                 "Mpc/h, with %.2f instead of 1 particle per voxel: far outside the training data" %
                 (z, side, BOX, side / GRID, BOX / GRID, particles_count / GRID ** 3))
    print("\n".join(lines))
    with open(os.path.join(out_dir, "cosmology_gadget.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
else:
    print("the real GADGET snapshot is not available (%s): step 6 skipped" % snapshot)

print("cosmology example finished in %.0f s; pictures and tables in %s" % (time.time() - started, out_dir))
