"""pvpython: SyntheticCosmology through paraview.simple, and CosmoFlow HDF5
round trips checked with h5py (an independent reader and writer, run in
/usr/bin/python3 in a subprocess).
"""

import os
import subprocess
import tempfile

import numpy
import nvtest
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())
from neuralview import cosmology  # noqa: E402  (embedded in the plugin)

work = tempfile.mkdtemp(prefix="nv-cosmo-files-")
oracle_python = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
oracle_script = os.path.join(nvtest.SOURCE_DIR, "tests", "cosmology", "cosmology_oracle.py")


def oracle(*args):
    done = subprocess.run([oracle_python, oracle_script] + [str(a) for a in args], capture_output=True, text=True)
    check(done.returncode == 0, "oracle %s failed: %s" % (args[0], done.stderr[-2000:]))


def cube(data, name):
    """A point array as numpy [x, y, z] (VTK stores x fastest)."""
    dims = data.GetDimensions()
    return nvtest.point_array(data, name).reshape(dims[2], dims[1], dims[0]).transpose(2, 1, 0)


# --- The source through the proxy layer: channels, parameters, time steps.
source = cosmology.synthetic_universes(grid=16, box=64, count=3, seed=4)
check(list(source.TimestepValues) == [0.0, 1.0, 2.0], "time steps %s" % list(source.TimestepValues))
seen = []
for t in range(3):
    source.UpdatePipeline(float(t))
    data = servermanager.Fetch(source)
    u = nvtest.field_array(data, "unitPar").ravel()
    phys = nvtest.field_array(data, "physPar").ravel()
    check(u.shape == (4,) and numpy.all(numpy.abs(u) <= 1), "unitPar %s" % u)
    check_close(phys, cosmology.unit_to_physical(u), 1e-5, "physPar = (1 + 0.1 u) * fiducial")
    for name in cosmology.CHANNELS + cosmology.LOG_CHANNELS:
        nvtest.point_array(data, name)
    check_close(nvtest.point_array(data, "Density_z0").mean(), 1.0, 1e-5, "mean rho/rho_bar")
    seen.append(tuple(u))
check(len(set(seen)) == 3, "time steps must be different universes: %s" % seen)

# --- Writer -> h5py: the file holds exactly the source's values in CosmoFlow's layout.
source.UpdatePipeline(1.0)
data = servermanager.Fetch(source)
written = os.path.join(work, "universe.hdf5")
cosmology.write_cosmoflow(source, written, time=1.0)
oracle("read-cosmoflow", written, os.path.join(work, "written.npz"))
h5 = numpy.load(os.path.join(work, "written.npz"))
check(h5["full"].shape == (16, 16, 16, 4), "full has shape %s, not (16, 16, 16, 4)" % (h5["full"].shape,))
check(str(h5["dtype"]) == "float32", "full is %s" % h5["dtype"])
for c, name in enumerate(cosmology.CHANNELS):
    check_close(h5["full"][..., c], cube(data, name), 0.0, "full[..., %d] vs %s" % (c, name))
check_close(h5["unitPar"], nvtest.field_array(data, "unitPar").ravel(), 0.0, "unitPar in the file")
check_close(h5["physPar"], nvtest.field_array(data, "physPar").ravel(), 1e-6, "physPar in the file")
check_close(h5["redshifts"], [0, 0.5, 1.5, 3], 0.0, "redshifts in the file")
check(list(h5["namePar"]) == list(cosmology.PARAMETERS), "namePar %s" % list(h5["namePar"]))
check(list(h5["channel_names"]) == cosmology.CHANNELS, "channel_names %s" % list(h5["channel_names"]))
check_close(h5["BoxSize"], 64.0, 1e-9, "BoxSize attribute")

# --- h5py -> reader: CosmoFlow's own layout (int16 counts, channels last or first).
for layout in ("channels-last", "channels-first"):
    path = os.path.join(work, "cosmoflow_%s.hdf5" % layout)
    expected_path = os.path.join(work, "expected_%s.npz" % layout)
    oracle("write-cosmoflow", path, expected_path, layout)
    expected = numpy.load(expected_path)
    reader = cosmology.read_cosmoflow(path)
    out = servermanager.Fetch(reader)
    check(out.GetDimensions() == (12, 10, 8), "%s: dimensions %s" % (layout, out.GetDimensions()))
    for c, name in enumerate(cosmology.CHANNELS):  # named from the file's redshifts
        check_close(cube(out, name), expected["full"][..., c], 0.0, "%s: %s" % (layout, name))
        check_close(cube(out, "Log" + name), numpy.log1p(expected["full"][..., c]), 1e-5, "%s: Log%s" % (layout, name))
    check_close(nvtest.field_array(out, "unitPar").ravel(), expected["unitPar"], 0.0, "unitPar read")
    check_close(nvtest.field_array(out, "physPar").ravel(), expected["physPar"], 1e-12, "physPar read")
    names = [out.GetFieldData().GetArray("unitPar").GetComponentName(c) for c in range(4)]
    check(names == ["Omega_m", "sigma_8", "N_spec", "H_0"], "component names from namePar: %s" % names)

# --- Several files are time steps; a plugin-written file reads back with its names and spacing.
series = cosmology.read_cosmoflow([written, written])
check(list(series.TimestepValues) == [0.0, 1.0], "file series time steps %s" % list(series.TimestepValues))
back = servermanager.Fetch(series)
check_close(back.GetSpacing(), (4.0, 4.0, 4.0), 1e-12, "spacing from BoxSize")
check_close(nvtest.point_array(back, "Density_z1.5"), nvtest.point_array(data, "Density_z1.5"), 0.0, "round trip")

# --- power_spectrum (the summary statistic of the example's baseline) on a field known exactly:
# rho = 1 + A cos(2 pi m x / L) has |delta_k|^2 = (A N^3 / 2)^2 at k = +-2 pi m / L and nothing else,
# so P V^-1 summed over the modes of its shell is A^2 / 2 and every other shell is empty.
n, side, amplitude, m = 16, 100.0, 0.3, 3
x = numpy.arange(n) * side / n
for axis in range(3):
    wave = 1.0 + amplitude * numpy.cos(2 * numpy.pi * m * x / side)
    field = numpy.broadcast_to(wave.reshape([n if a == axis else 1 for a in range(3)]), (n, n, n))
    k, p, modes = cosmology.power_spectrum(field, side, bins=6)
    k_wave = 2 * numpy.pi * m / side
    shell = int(numpy.argmin(numpy.abs(numpy.log(k / k_wave))))
    check_close(p[shell] * modes[shell] / side ** 3, amplitude ** 2 / 2, 1e-9, "axis %d: power of the wave" % axis)
    others = numpy.delete(p, shell)
    check(numpy.all(numpy.abs(others[numpy.isfinite(others)]) < 1e-20), "axis %d: power elsewhere %s" % (axis, p))
    check(k[shell] / k_wave > 0.8 and k[shell] / k_wave < 1.25, "axis %d: shell k %s" % (axis, k))
# Mode counts: every mode of 0 < |k| <= k_Nyquist counted once (numpy's full FFT as the reference).
full = numpy.fft.fftfreq(n, d=1.0 / n)
radius = numpy.sqrt(sum(g ** 2 for g in numpy.meshgrid(full, full, full, indexing="ij")))
check(modes.sum() == numpy.count_nonzero((radius > 0) & (radius <= n / 2)), "mode count %s" % modes)

# --- Bad input: a clear error, no crash.
missing = CosmoFlowReader(FileNames=[os.path.join(work, "nothing.hdf5")])
catcher = nvtest.ErrorCatcher(missing.GetClientSideObject())
missing.UpdatePipeline()
check(any("cannot read" in m or "not an HDF5" in m for m in catcher.messages), "no clear error: %s" % catcher.messages)
print("cosmology files: source, writer and reader agree with h5py")
