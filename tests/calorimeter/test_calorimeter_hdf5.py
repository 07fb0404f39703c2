"""pvpython: CaloGAN and hep_cnn HDF5 writers and readers.

Round trips checked by an independent reader and writer: h5py (run in
/usr/bin/python3, $NEURALVIEW_ORACLE_PYTHON) reads what NeuralView wrote
(layouts, dtypes, values), and NeuralView reads files that h5py wrote.
Also: events browsable one per time step and as blocks, normalised
hep_cnn channels restored, and clear errors for files of the wrong layout.
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
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402

work = tempfile.mkdtemp(prefix="nv-calo-h5-")
oracle_python = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
oracle = os.path.join(os.path.dirname(os.path.abspath(__file__)), "h5_oracle.py")


def h5py_dump(path):
    out = os.path.join(work, os.path.basename(path) + ".npz")
    done = subprocess.run([oracle_python, oracle, "dump", path, out], capture_output=True, text=True)
    check(done.returncode == 0, "h5py could not read %s: %s" % (path, done.stderr[-2000:]))
    return dict(numpy.load(out)), json.loads(done.stdout)


def h5py_make(*args):
    done = subprocess.run([oracle_python, oracle] + [str(a) for a in args], capture_output=True, text=True)
    check(done.returncode == 0, "h5py could not write: %s" % done.stderr[-2000:])


def cells(image, name):
    return vtk_to_numpy(image.GetCellData().GetArray(name)).copy()


def layer_blocks(multiblock):
    return {multiblock.GetMetaData(b).Get(multiblock.NAME()): multiblock.GetBlock(b)
            for b in range(multiblock.GetNumberOfBlocks())}


shapes = {"layer_0": (3, 96), "layer_1": (12, 12), "layer_2": (12, 6)}

# --- CaloGAN: write 15 generated showers, check with h5py, read back.
n = 15
source = calorimeter.showers(events=n, seed=8)
expected = {name: [] for name in shapes}
expected.update(energy=[], overflow=[], particle=[])
blocks = servermanager.Fetch(calorimeter.showers(events=n, seed=8, blocks=True))
for i in range(n):
    layers = layer_blocks(blocks.GetBlock(i))
    for name, shape in shapes.items():
        expected[name].append(cells(layers[name], "Energy").reshape(shape))
    expected["energy"].append(nvtest.field_array(layers["layer_0"], "IncidentEnergy")[0])
    expected["overflow"].append(nvtest.field_array(layers["layer_0"], "Overflow").reshape(3))
    expected["particle"].append(nvtest.field_array(layers["layer_0"], "ParticleType")[0])
path = os.path.join(work, "showers.h5")
calorimeter.write_calogan(source, path)  # one event per time step: the writer walks all 15
arrays, meta = h5py_dump(path)
for name, shape in shapes.items():
    check(meta["shapes"][name] == [n] + list(shape), "%s shape %s" % (name, meta["shapes"][name]))
    check(meta["dtypes"][name] == "float32", "%s dtype %s" % (name, meta["dtypes"][name]))
    check(numpy.array_equal(arrays[name], numpy.stack(expected[name])), "%s values differ" % name)
check(meta["shapes"]["energy"] == [n, 1] and meta["shapes"]["overflow"] == [n, 3], "energy/overflow shapes")
check_close(arrays["energy"][:, 0], expected["energy"], 1e-4, "energy (float32)")
check_close(arrays["overflow"], numpy.stack(expected["overflow"]), 1e-2, "overflow (float32, MeV)")
check(numpy.array_equal(arrays["particle"], expected["particle"]), "particle ids")

# Blocks input gives the same file content.
path_blocks = os.path.join(work, "showers_blocks.h5")
calorimeter.write_calogan(calorimeter.showers(events=n, seed=8, blocks=True), path_blocks)
arrays_blocks, _ = h5py_dump(path_blocks)
check(all(numpy.array_equal(arrays_blocks[k], arrays[k]) for k in arrays), "blocks and time steps wrote different files")

# Read back: per time step and as blocks.
reader = calorimeter.read_calogan(path)
check(len(reader.TimestepValues) == n, "reader time steps %d" % len(reader.TimestepValues))
reader.UpdatePipeline(9.0)
layers = layer_blocks(servermanager.Fetch(reader))
for name, shape in shapes.items():
    check(numpy.array_equal(cells(layers[name], "Energy").reshape(shape), expected[name][9]), "read-back " + name)
check(nvtest.field_array(layers["layer_1"], "ParticleType")[0] == expected["particle"][9], "read-back particle")
stacked = servermanager.Fetch(reader, idx=1)
check(abs(cells(stacked, "layer_0").sum() - expected["layer_0"][9].sum()) < 1e-2, "read-back network input")

# A file written by h5py (no particle dataset): read with a given particle type.
foreign = os.path.join(work, "h5py_calogan.h5")
h5py_make("make-calogan", foreign, 7)
truth, _ = h5py_dump(foreign)
foreign_reader = calorimeter.read_calogan(foreign, blocks=True, particle="gamma")
data = servermanager.Fetch(foreign_reader)
check(data.GetNumberOfBlocks() == 7, "h5py file: %d blocks" % data.GetNumberOfBlocks())
for i in range(7):
    layers = layer_blocks(data.GetBlock(i))
    for name, shape in shapes.items():
        check(numpy.array_equal(cells(layers[name], "Energy").reshape(shape), truth[name][i]), "h5py file " + name)
    check_close(nvtest.field_array(layers["layer_2"], "IncidentEnergy"), truth["energy"][i], 1e-5, "h5py energy")
    check(nvtest.field_array(layers["layer_2"], "ParticleType")[0] == 1, "ParticleType from the property")

# --- hep_cnn: 12 detector events, raw and normalised.
m = 12
events = calorimeter.detector_events(events=m, seed=2, image_size=32)
images = servermanager.Fetch(calorimeter.detector_events(events=m, seed=2, image_size=32, blocks=True))
raw = numpy.stack([numpy.stack([cells(images.GetBlock(i), c).reshape(32, 32) for c in ("ECAL", "HCAL", "Tracks")])
                   for i in range(m)])
labels = numpy.array([nvtest.field_array(images.GetBlock(i), "Signal")[0] for i in range(m)])
weights = numpy.array([nvtest.field_array(images.GetBlock(i), "Weight")[0] for i in range(m)])
passes = numpy.array([nvtest.field_array(images.GetBlock(i), "PassesSignalRegion")[0] for i in range(m)])
hep = os.path.join(work, "hep.h5")
calorimeter.write_hepcnn(events, hep)
arrays, meta = h5py_dump(hep)
check(meta["shapes"]["data"] == [m, 3, 32, 32] and meta["dtypes"]["data"] == "float32", "data %s" % meta["shapes"])
check(numpy.array_equal(arrays["data"], raw), "hep_cnn data values differ")
check(numpy.array_equal(arrays["label"], labels), "labels differ")
check_close(arrays["weight"], weights, 1e-3 * weights.max(), "weights")
check(meta["shapes"]["normweight"] == [m], "normweight shape")
check(numpy.array_equal(arrays["passSR"], passes), "passSR differs from the source's selection")
check(meta["attributes"]["channel_names"] == ["ECAL", "HCAL", "Tracks"], "channel names %s" % meta["attributes"])

hep_norm = os.path.join(work, "hep_norm.h5")
calorimeter.write_hepcnn(events, hep_norm, normalize=True)
arrays_norm, meta_norm = h5py_dump(hep_norm)
maxima = raw.max(axis=(0, 2, 3))
check_close(meta_norm["attributes"]["channel_maximum"], maxima, 1e-4 * maxima.max(), "channel maxima")
check(abs(arrays_norm["data"].max() - 1.0) < 1e-6, "normalised data maximum %g" % arrays_norm["data"].max())
check_close(arrays_norm["data"], raw / maxima[None, :, None, None], 1e-6, "normalised data")

for file_name in (hep, hep_norm):
    back = calorimeter.read_hepcnn(file_name)
    check(len(back.TimestepValues) == m, "hep_cnn reader time steps")
    back.UpdatePipeline(5.0)
    image = servermanager.Fetch(back)
    check(image.GetDimensions() == (33, 33, 1), "read-back dimensions %s" % (image.GetDimensions(),))
    for k, c in enumerate(("ECAL", "HCAL", "Tracks")):
        check_close(cells(image, c).reshape(32, 32), raw[5, k], 2e-6 * max(raw[:, k].max(), 1), "read-back " + c)
    check(nvtest.field_array(image, "Signal")[0] == labels[5], "read-back label")
    check(nvtest.field_array(image, "PassesSignalRegion")[0] == passes[5], "read-back selection from jets")
    check(servermanager.Fetch(back, idx=1).GetNumberOfCells() > 0, "read-back jet circles")

foreign_hep = os.path.join(work, "h5py_hep.h5")
h5py_make("make-hepcnn", foreign_hep, 5, 16)
truth, _ = h5py_dump(foreign_hep)
data = servermanager.Fetch(calorimeter.read_hepcnn(foreign_hep, blocks=True))
check(data.GetNumberOfBlocks() == 5, "h5py hep_cnn blocks")
for i in range(5):
    image = data.GetBlock(i)
    check(numpy.array_equal(cells(image, "HCAL").reshape(16, 16), truth["data"][i, 1]), "h5py hep_cnn HCAL")
    check(nvtest.field_array(image, "Signal")[0] == truth["label"][i], "h5py hep_cnn label")
    check_close(nvtest.field_array(image, "NormWeight"), [truth["normweight"][i]], 1e-6, "h5py normweight")

# --- Wrong files: clear errors, no crash.
reader = servermanager.sources.CaloGANReader()
catcher = nvtest.ErrorCatcher(reader.GetClientSideObject())
reader.FileName = hep
reader.UpdatePipelineInformation()
check(any("layer_0" in msg for msg in catcher.messages), "CaloGAN reader on a hep_cnn file: %s" % catcher.messages)
reader = servermanager.sources.HepCNNReader()
catcher = nvtest.ErrorCatcher(reader.GetClientSideObject())
reader.FileName = os.path.join(work, "missing.h5")
reader.UpdatePipelineInformation()
check(any("cannot open" in msg for msg in catcher.messages), "missing file: %s" % catcher.messages)
writer = servermanager.writers.CaloGANWriter(Input=calorimeter.detector_events(events=2), FileName=os.path.join(work, "x.h5"))
catcher = nvtest.ErrorCatcher(writer.GetClientSideObject())
writer.UpdatePipeline()
check(any("multiblock of calorimeter layers" in msg for msg in catcher.messages), "CaloGAN writer on images: %s"
      % catcher.messages)
print("calorimeter HDF5 round trips: OK")
