"""pvpython: the SyntheticCalorimeter source in both modes.

CaloGAN mode: layer shapes and units, labels, reproducibility from the seed,
time steps and blocks giving the same events, the network-input image
conserving each layer's energy. Detector mode: image layout, truth jets and
the cut-based selection recomputed here from the jets (an independent
implementation of DESIGN.md's benchmark), 224-pixel images, bad input.
"""

import numpy
import nvtest
from nvtest import check, check_close
from paraview import servermanager
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
from neuralview import calorimeter  # noqa: E402
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402


def cells(image, name):
    array = image.GetCellData().GetArray(name)
    check(array is not None, "no cell array %r" % name)
    return vtk_to_numpy(array).copy()


def layer_blocks(multiblock):
    names = [multiblock.GetMetaData(b).Get(multiblock.NAME()) for b in range(multiblock.GetNumberOfBlocks())]
    return {name: multiblock.GetBlock(b) for b, name in enumerate(names)}


# --- CaloGAN mode, one event per time step.
source = calorimeter.showers(events=6, seed=3)
check(list(source.TimestepValues) == [0, 1, 2, 3, 4, 5], "time steps %s" % list(source.TimestepValues))
shapes = {"layer_0": (3, 96), "layer_1": (12, 12), "layer_2": (12, 6)}
events = []
for t in range(6):
    source.UpdatePipeline(float(t))
    layers = layer_blocks(servermanager.Fetch(source, idx=0))
    check(sorted(layers) == sorted(shapes), "layer blocks %s" % sorted(layers))
    event = {}
    for name, (rows, columns) in shapes.items():
        image = layers[name]
        dims = image.GetDimensions()
        check((dims[0] - 1, dims[1] - 1) == (columns, rows), "%s has %s cells" % (name, dims))
        check(abs(image.GetBounds()[1] - image.GetBounds()[0] - 480) < 1e-9, "%s is not 480 mm wide" % name)
        event[name] = cells(image, "Energy").reshape(rows, columns)
    fd = layers["layer_1"].GetFieldData()
    event["type"] = int(nvtest.field_array(layers["layer_1"], "ParticleType")[0])
    event["energy"] = float(nvtest.field_array(layers["layer_1"], "IncidentEnergy")[0])
    event["overflow"] = nvtest.field_array(layers["layer_1"], "Overflow").reshape(-1)
    check(fd.GetAbstractArray("ParticleName").GetValue(0) == calorimeter.PARTICLES[event["type"]], "particle name")
    check(1.0 <= event["energy"] <= 100.0, "incident energy %.3f outside 1-100 GeV" % event["energy"])
    # Visible energy in MeV: an electromagnetic shower of E GeV leaves about 0.2 * 1000 * E MeV
    # (the sampling fraction); pions leave less but never more.
    visible = sum(event[n].sum() for n in shapes) + event["overflow"].sum()
    check(visible < 0.3 * 1000 * event["energy"], "visible %.1f MeV exceeds the sampling fraction" % visible)
    if event["type"] != 2:
        check(visible > 0.15 * 1000 * event["energy"], "EM shower visible %.1f MeV too low" % visible)

    # The network input: the same energies on a 12 x 12 grid.
    source.UpdatePipeline(float(t))
    stacked = servermanager.Fetch(source, idx=1)
    dims = stacked.GetDimensions()
    check((dims[0], dims[1], dims[2]) == (13, 13, 1), "network input dimensions %s" % (dims,))
    for name in shapes:
        check_close(cells(stacked, name).sum(), event[name].sum(), 1e-3 * abs(event[name].sum()) + 1e-3,
                    "%s energy on the 12 x 12 grid" % name)
    events.append(event)
check(len({e["type"] for e in events}) >= 2, "six mixed events all of one particle")

# Same seed: same events; another seed: other events.
again = calorimeter.showers(events=6, seed=3)
again.UpdatePipeline(4.0)
check(numpy.array_equal(cells(layer_blocks(servermanager.Fetch(again))["layer_1"], "Energy").reshape(12, 12),
                        events[4]["layer_1"]), "same seed gave a different event")
other = calorimeter.showers(events=6, seed=4)
other.UpdatePipeline(4.0)
check(not numpy.array_equal(cells(layer_blocks(servermanager.Fetch(other))["layer_1"], "Energy").reshape(12, 12),
                            events[4]["layer_1"]), "another seed gave the same event")

# Blocks: one block per event, identical to the time steps.
blocks = calorimeter.showers(events=6, seed=3, blocks=True)
check(not list(blocks.TimestepValues), "blocks mode must not have time steps")
data = servermanager.Fetch(blocks)
check(data.GetNumberOfBlocks() == 6, "blocks: %d" % data.GetNumberOfBlocks())
for t in range(6):
    layers = layer_blocks(data.GetBlock(t))
    check(numpy.array_equal(cells(layers["layer_0"], "Energy").reshape(3, 96), events[t]["layer_0"]),
          "block %d differs from time step %d" % (t, t))
net = servermanager.Fetch(blocks, idx=1)
check(net.GetNumberOfBlocks() == 6 and net.GetBlock(2).IsA("vtkImageData"), "network-input blocks")

# Fixed particle and energy.
pions = calorimeter.showers(events=3, seed=1, particle="pi+", energy=(50, 50))
pions.UpdatePipeline(2.0)
image = servermanager.Fetch(pions, idx=1)
check(nvtest.field_array(image, "ParticleType")[0] == 2, "particle pi+ not honoured")
check_close(nvtest.field_array(image, "IncidentEnergy"), [50.0], 1e-12, "fixed energy")

# --- Detector mode.
detector = calorimeter.detector_events(events=40, seed=5, blocks=True)
images = servermanager.Fetch(detector)
check(images.GetNumberOfBlocks() == 40, "detector blocks")
first = images.GetBlock(0)
check(first.GetDimensions() == (65, 65, 1), "64 x 64 cells expected, dimensions %s" % (first.GetDimensions(),))
bounds = first.GetBounds()
check_close(bounds[:4], [-2.5, 2.5, -numpy.pi, numpy.pi], 1e-9, "eta/phi bounds")
signal_count = 0
for b in range(40):
    image = images.GetBlock(b)
    for name in ("ECAL", "HCAL", "Tracks"):
        check(cells(image, name).min() >= 0, "%s negative" % name)
    pt, eta, mass = (nvtest.field_array(image, n) for n in ("JetPt", "JetEta", "JetMass"))
    check(numpy.all(numpy.diff(pt) <= 0), "jets not sorted by pt")
    # DESIGN.md's benchmark, written again here.
    keep = (pt > 200) & (numpy.abs(eta) < 2)
    n, lead = int(keep.sum()), (pt[keep][0] if keep.any() else 0.0)
    summed = mass[keep][:4].sum()
    deta = abs(eta[keep][0] - eta[keep][1]) if n >= 2 else 0.0
    presel = n >= 3 and lead > 440
    region = presel and n >= 4 and deta < 1.4 and summed > (800 if n == 4 else 600)
    check(int(nvtest.field_array(image, "PassesSignalRegion")[0]) == int(region),
          "event %d: signal region %s, recomputed %s" % (b, nvtest.field_array(image, "PassesSignalRegion"), region))
    check(int(nvtest.field_array(image, "PassesPreselection")[0]) == int(presel), "event %d: preselection" % b)
    check(int(nvtest.field_array(image, "SelectedJets")[0]) == n, "event %d: selected jets" % b)
    signal_count += int(nvtest.field_array(image, "Signal")[0])
check(8 <= signal_count <= 32, "signal fraction 0.5 gave %d/40 signal events" % signal_count)
jets = servermanager.Fetch(detector, idx=2).GetBlock(0)
check(jets.GetNumberOfCells() == len(nvtest.field_array(first, "JetPt")), "one circle per jet")

# The same events as time steps.
steps = calorimeter.detector_events(events=40, seed=5)
steps.UpdatePipeline(7.0)
check(numpy.array_equal(cells(servermanager.Fetch(steps), "HCAL"), cells(images.GetBlock(7), "HCAL")),
      "time step 7 differs from block 7")

# FirstEvent: one event of the sample alone.
alone = calorimeter.detector_events(events=1, seed=5, FirstEvent=7)
check(numpy.array_equal(cells(servermanager.Fetch(alone), "HCAL"), cells(images.GetBlock(7), "HCAL")),
      "FirstEvent=7 differs from event 7")
check(nvtest.field_array(servermanager.Fetch(alone), "EventIndex")[0] == 7, "EventIndex of FirstEvent=7")

big = calorimeter.detector_events(events=2, seed=5, image_size=224)
big.UpdatePipeline(1.0)
check(servermanager.Fetch(big).GetDimensions() == (225, 225, 1), "224 x 224 images")

# Image outputs advertise their whole extent (without it ParaView's
# representations request an empty extent and draw nothing): the detector
# image ports and the CaloGAN network input, for time-step events.
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline  # noqa: E402

for proxy, port, cells_per_side in ((big, 0, 224), (big, 1, 224), (calorimeter.showers(events=2, seed=1), 1, 12)):
    proxy.UpdatePipelineInformation()
    info = proxy.GetClientSideObject().GetOutputInformation(port)
    extent = info.Get(vtkStreamingDemandDrivenPipeline.WHOLE_EXTENT())
    check(extent is not None and tuple(extent) == (0, cells_per_side, 0, cells_per_side, 0, 0),
          "port %d whole extent %s" % (port, extent))

# Bad input is refused with a clear message.
bad = calorimeter.showers(events=2, seed=1, energy=(50, 10))
catcher = nvtest.ErrorCatcher(bad.GetClientSideObject())
bad.UpdatePipeline(0.0)
check(any("MinimumEnergy" in m for m in catcher.messages), "no clear error for an inverted energy range: %s"
      % catcher.messages)
print("SyntheticCalorimeter pvpython: OK")
