"""Patch classification of extreme weather, as in the seminar's table (Liu et al. 2016).

    pvbatch examples/climate_patches.py OUTPUT_DIR [PATCHES_PER_CLASS]

Three binary tasks on patches cut from SyntheticClimate fields:
- tropical cyclone vs none: 32 x 32 patches of the 25 km grid (1152 x 768),
  8 channels (PSL, U850, V850, UBOT, VBOT, TMQ, T200, T500), positives
  centred on a cyclone (jittered), negatives from the cyclone belt without one;
- atmospheric river vs none: 36 x 56 patches of the 1.25 degree grid
  (288 x 192), TMQ and the land mask, positives centred on a river axis,
  negatives from fields generated without rivers;
- front vs none: 28 x 60 patches of the same grid, TMQ, PRECT and PSL,
  positives centred on a front, negatives from fields without fronts.
(Liu et al. used 148 x 224 river and 27 x 60 front patches; sizes here are
even so that the network's pooling divides them.)
Two CNNs (TrainNetwork: the layout of Liu et al., examples/climate_patch_cnn.json,
and classifier-small) and scikit-learn's logistic
regression, k-nearest neighbours, SVM (RBF) and random forest (Debian's
python3, on the same patches, standardised) are scored on held-out patches
from other time steps. Writes climate_patches_accuracy.md/.csv/.json and
climate_patches.png (accuracies and example patches).
"""

import json
import os
import subprocess
import sys
import time

import numpy
from paraview import servermanager
from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

out_dir = sys.argv[1] if len(sys.argv) > 1 else "output"
per_class = int(sys.argv[2]) if len(sys.argv) > 2 else 240
os.makedirs(out_dir, exist_ok=True)
neuralview_plugin.load(globals())
import neuralview  # noqa: E402

rng = numpy.random.default_rng(7)


def arrays(data, names):
    from vtkmodules.util.numpy_support import vtk_to_numpy

    nx, ny, _ = data.GetDimensions()
    return numpy.stack([vtk_to_numpy(data.GetPointData().GetArray(n)).reshape(ny, nx) for n in names])


def field_data(data, name):
    from vtkmodules.util.numpy_support import vtk_to_numpy

    return vtk_to_numpy(data.GetFieldData().GetArray(name))


# ---------------------------------------------------------------- cyclones (25 km grid, sub-extents only)
TC_CHANNELS = ["PSL", "U850", "V850", "UBOT", "VBOT", "TMQ", "T200", "T500"]
NX, NY = 1152, 768


def cyclone_patches(seed, count):
    """(patches, labels, steps): half centred on cyclones, half in the belt without one."""
    steps = 200
    coarse = SyntheticClimate(Dimensions=[144, 96], Seed=seed, NumberOfTimeSteps=steps)  # the same weather
    fine = SyntheticClimate(Dimensions=[NX, NY], Seed=seed, NumberOfTimeSteps=steps)
    window = ExtractSubset(Input=fine)
    patches, labels, when = [], [], []
    positives = negatives = 0
    for step in range(steps):
        if positives >= count and negatives >= count:
            break
        coarse.UpdatePipeline(float(step))
        centres = field_data(servermanager.Fetch(coarse), "TCCenter").reshape(-1, 2)
        wanted = []
        for lon, lat in centres:
            if positives < count:
                i = int(round(lon / (360.0 / NX))) + rng.integers(-5, 6)
                j = int(round((lat + 90.0) / (180.0 / (NY - 1)))) + rng.integers(-5, 6)
                wanted.append((i, j, 1))
                positives += 1
        for _ in range(len(centres) + 1):
            if negatives < count:
                lat = rng.choice([-1, 1]) * rng.uniform(5.0, 35.0)
                wanted.append((int(rng.integers(20, NX - 20)), int(round((lat + 90.0) / (180.0 / (NY - 1)))), 0))
                negatives += 1
        for i, j, label in wanted:
            if i - 16 < 0 or i + 15 >= NX:
                if label:
                    positives -= 1
                else:
                    negatives -= 1
                continue
            window.VOI = [i - 16, i + 15, j - 16, j + 15, 0, 0]
            window.UpdatePipeline(float(step))
            data = servermanager.Fetch(window)
            if label == 0 and (arrays(data, ["LABELS"])[0] == 1).any():
                negatives -= 1  # a cyclone in the "none" patch: draw again later
                continue
            patches.append(arrays(data, TC_CHANNELS))
            labels.append(label)
            when.append(step)
    return numpy.array(patches, dtype=numpy.float32), numpy.array(labels), numpy.array(when)


# ---------------------------------------------------------------- rivers and fronts (1.25 degree grid)
def filament_patches(seed, count, kind, channels, size):
    """Positives centred on the axes of `kind` ("ARAxis" or "FrontAxis"),
    negatives from the same seeds generated without that feature."""
    ny, nx = size
    with_feature = SyntheticClimate(Dimensions=[288, 192], Seed=seed, NumberOfTimeSteps=400)
    without = SyntheticClimate(Dimensions=[288, 192], Seed=seed, NumberOfTimeSteps=400)
    if kind == "ARAxis":
        without.RiverCountRange = [0, 0]
        lat_band = (20.0, 55.0)
    else:
        without.FrontCountRange = [0, 0]
        lat_band = (35.0, 62.0)
    patches, labels, when = [], [], []
    positives = negatives = step = 0
    while positives < count or negatives < count:
        for source, label in ((with_feature, 1), (without, 0)):
            source.UpdatePipeline(float(step))
            data = servermanager.Fetch(source)
            values = arrays(data, channels)
            if label:
                axis = field_data(data, kind).reshape(-1, 3)
                centres = [axis[axis[:, 2] == k][len(axis[axis[:, 2] == k]) // 2, :2]
                           for k in numpy.unique(axis[:, 2])]
            else:
                centres = [(rng.uniform(0, 360), rng.choice([-1, 1]) * rng.uniform(*lat_band)) for _ in range(3)]
            for lon, lat in centres:
                if (positives if label else negatives) >= count:
                    continue
                i = int(round((lon % 360.0) / 1.25)) + rng.integers(-3, 4)
                j = int(round((lat + 90.0) / (180.0 / 191))) + rng.integers(-3, 4)
                j0, i0 = j - ny // 2, i - nx // 2
                if j0 < 0 or j0 + ny > 192:
                    continue
                cols = numpy.arange(i0, i0 + nx) % 288  # periodic in longitude
                patches.append(values[:, j0:j0 + ny][:, :, cols])
                labels.append(label)
                when.append(step)
                if label:
                    positives += 1
                else:
                    negatives += 1
        step += 1
    return numpy.array(patches, dtype=numpy.float32), numpy.array(labels), numpy.array(when)


TASKS = [
    ("TC vs none", lambda: cyclone_patches(31, per_class), TC_CHANNELS),
    ("AR vs none", lambda: filament_patches(32, per_class, "ARAxis", ["TMQ", "LANDFRAC"], (36, 56)),
     ["TMQ", "LANDFRAC"]),
    ("front vs none", lambda: filament_patches(33, per_class, "FrontAxis", ["TMQ", "PRECT", "PSL"], (28, 60)),
     ["TMQ", "PRECT", "PSL"]),
]


def collection(patches, labels, channel_names):
    """A multiblock of patch images with the class as field data, fed to the
    pipeline through a TrivialProducer (pvbatch runs built-in)."""
    from vtkmodules.util.numpy_support import numpy_to_vtk
    from vtkmodules.vtkCommonCore import vtkIntArray
    from vtkmodules.vtkCommonDataModel import vtkImageData, vtkMultiBlockDataSet

    blocks = vtkMultiBlockDataSet()
    blocks.SetNumberOfBlocks(len(patches))
    for b, (patch, label) in enumerate(zip(patches, labels)):
        image = vtkImageData()
        image.SetDimensions(patch.shape[2], patch.shape[1], 1)
        for c, name in enumerate(channel_names):
            a = numpy_to_vtk(numpy.ascontiguousarray(patch[c]).ravel(), deep=1)
            a.SetName(name)
            image.GetPointData().AddArray(a)
        cls = vtkIntArray()
        cls.SetName("PatchClass")
        cls.InsertNextValue(int(label))
        image.GetFieldData().AddArray(cls)
        blocks.SetBlock(b, image)
    producer = TrivialProducer()
    producer.GetClientSideObject().SetOutput(blocks)
    producer.UpdatePipeline()
    return producer


# Two CNNs: the layout of Liu et al. (two 5x5 convolutions with 8 and 16
# filters, max-pooling, a 50-unit dense layer; examples/climate_patch_cnn.json)
# and NeuralView's classifier-small (batch norm, global average pooling).
CNNS = [("CNN (Liu et al.)", os.path.join(os.path.dirname(os.path.abspath(__file__)), "climate_patch_cnn.json"),
         0.001),
        ("CNN (classifier-small)", "classifier-small", 0.003)]


def architecture_key(architecture):
    return "liu" if architecture.endswith(".json") else architecture


results = {}
for name, make, channel_names in TASKS:
    start = time.time()
    patches, labels, when = make()
    # Train on the earlier time steps, test on the later ones: no weather state is in both.
    cut = numpy.quantile(when, 0.7)
    train, test = when <= cut, when > cut
    print("%s: %d patches of %s, %d train / %d test (%.0f s to cut)" % (
        name, len(labels), patches.shape[1:], train.sum(), test.sum(), time.time() - start))
    key = name.split()[0]
    numpy.savez(os.path.join(out_dir, "patches_%s.npz" % key), x=patches, y=labels, train=train, test=test)

    results[name] = {"patches": int(len(labels))}
    for cnn_name, architecture, rate in CNNS:
        model = os.path.join(out_dir, "patches_%s_%s.onnx" % (key, architecture_key(architecture)))
        start = time.time()
        neuralview.train(collection(patches[train], labels[train], channel_names), channel_names, label="PatchClass",
                         task="classification", model_file=model, epochs=20, Architecture=architecture,
                         BatchSize=16, LearningRate=rate, Seed=1, ValidationFraction=0.15, ClassNames=["none", key])
        applied = ApplyNetwork(Input=collection(patches[test], labels[test], channel_names), ModelFile=model)
        applied.UpdatePipeline()
        out = servermanager.Fetch(applied)
        predicted = []
        iterator = out.NewIterator()
        iterator.InitTraversal()
        while not iterator.IsDoneWithTraversal():
            predicted.append(int(field_data(iterator.GetCurrentDataObject(), "Prediction")[0]))
            iterator.GoToNextItem()
        results[name][cnn_name] = float(numpy.mean(numpy.array(predicted) == labels[test]))
        results[name][cnn_name + " seconds"] = round(time.time() - start, 1)
        print("  %s accuracy %.3f" % (cnn_name, results[name][cnn_name]))

# scikit-learn on the same patches, in Debian's python3.
oracle = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "climate_patches_sklearn.py")
done = subprocess.run([oracle, script, out_dir] + [n.split()[0] for n, _, _ in TASKS], capture_output=True, text=True)
if done.returncode != 0:
    raise RuntimeError("scikit-learn run failed: " + done.stderr[-3000:])
classical = json.loads(done.stdout.strip().splitlines()[-1])
methods = [c[0] for c in CNNS] + ["logistic regression", "k-NN", "SVM", "random forest"]
for name, _, _ in TASKS:
    results[name].update(classical[name.split()[0]])

header = "| task | " + " | ".join(methods) + " |"
lines = [header, "|---" * (len(methods) + 1) + "|"]
for name, _, _ in TASKS:
    best = max(results[name][m] for m in methods)
    cells = [("**%.1f**" if results[name][m] == best else "%.1f") % (100 * results[name][m]) for m in methods]
    lines.append("| %s (%d patches) | %s |" % (name, results[name]["patches"], " | ".join(cells)))
table = "\n".join(lines)
print("test accuracy (%)\n" + table)
with open(os.path.join(out_dir, "climate_patches_accuracy.md"), "w") as f:
    f.write(table + "\n")
with open(os.path.join(out_dir, "climate_patches_accuracy.csv"), "w") as f:
    f.write("task," + ",".join(methods) + "\n")
    for name, _, _ in TASKS:
        f.write(name + "," + ",".join("%.4f" % results[name][m] for m in methods) + "\n")
with open(os.path.join(out_dir, "climate_patches_accuracy.json"), "w") as f:
    json.dump(results, f, indent=1)

# The picture: accuracies and one patch of each class per task (first channel).
subprocess.run([oracle, script, out_dir, "--plot"], check=True)
print("wrote", os.path.join(out_dir, "climate_patches.png"))
