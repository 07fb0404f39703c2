"""pvpython: the real GADGET-4 snapshot (../shared/data/real/cosmology) loads with
its Header as field data and deposits onto a grid; checked against h5py and an
independent numpy cloud-in-cell (run in /usr/bin/python3). Exits 77 (skipped)
when the snapshot is not there.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy
import nvtest
from nvtest import check, check_close

snapshot = os.path.normpath(os.path.join(nvtest.SOURCE_DIR, "..", "shared", "data", "real", "cosmology",
                                         "snapshot_000.hdf5"))
if not os.path.isfile(snapshot):
    print("skipped: the real GADGET snapshot %s is not available" % snapshot)
    sys.exit(77)

from paraview.simple import *  # noqa: F401,F403,E402

nvtest.load_plugin(globals())
from neuralview import cosmology  # noqa: E402

work = tempfile.mkdtemp(prefix="nv-cosmo-gadget-")
oracle_file = os.path.join(work, "gadget.npz")
done = subprocess.run([os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3",
                       os.path.join(nvtest.SOURCE_DIR, "tests", "cosmology", "cosmology_oracle.py"), "gadget",
                       snapshot, "32", oracle_file], capture_output=True, text=True)
check(done.returncode == 0, "oracle failed: %s" % done.stderr[-2000:])
oracle = numpy.load(oracle_file)
header = json.loads(str(oracle["header"]))

# --- Particles and Header.
reader = cosmology.read_gadget(snapshot)
particles = servermanager.Fetch(reader)
check(particles.GetNumberOfPoints() == int(oracle["count"]), "dark-matter particles: %d, h5py says %d" %
      (particles.GetNumberOfPoints(), int(oracle["count"])))
for key in ("Redshift", "BoxSize", "Time"):
    check_close(nvtest.field_array(particles, key).ravel()[0], header[key], 1e-9 * abs(header[key]) + 1e-12,
                "Header %s" % key)
check_close(nvtest.field_array(particles, "MassTable").ravel(), header["MassTable"], 1e-12, "MassTable")
check_close(nvtest.field_array(particles, "NumPart_Total").ravel(), header["NumPart_Total"], 0, "NumPart_Total")
check_close(nvtest.point_array(particles, "ParticleIDs")[:5], oracle["first_ids"], 0, "first ParticleIDs")
check_close(nvtest.point_array(particles, "Masses"), numpy.full(int(oracle["count"]), float(oracle["mass"])), 1e-12,
            "Masses from the MassTable")
check(nvtest.point_array(particles, "Velocities").shape == (int(oracle["count"]), 3), "Velocities shape")
check_close(nvtest.field_array(particles, "BoxSizeMpcPerH").ravel()[0], 50.0, 1e-3, "box in Mpc/h")
both = servermanager.Fetch(cosmology.read_gadget(snapshot, gas=True))
check(both.GetNumberOfPoints() == int(oracle["count"]) + int(oracle["gas"]), "dark matter + gas particles")
check(both.GetPointData().GetArray("SmoothingLength") is not None, "gas arrays missing")

# --- Deposit: equals the numpy cloud-in-cell, conserves mass.
grid = cosmology.deposit(reader, dimensions=32)
image = servermanager.Fetch(grid)
mass = nvtest.point_array(image, "Mass").reshape(32, 32, 32)  # [z, y, x] like the oracle
expected = oracle["grid"]
worst = float(numpy.max(numpy.abs(mass - expected)))
check(worst <= 1e-9 * float(expected.max()), "deposit differs from numpy CIC by %.3g" % worst)
total = int(oracle["count"]) * float(oracle["mass"])
check_close(mass.sum(), total, 1e-9 * total, "deposited mass")
check_close(nvtest.field_array(image, "TotalMass").ravel()[0], total, 1e-9 * total, "TotalMass")
check_close(nvtest.point_array(image, "Density").mean(), 1.0, 1e-6, "mean density")
check_close(image.GetSpacing(), [header["BoxSize"] / 32] * 3, 1e-9, "grid spacing")
print("gadget: %d particles, z = %.2f, deposited mass %.6g of %.6g" %
      (particles.GetNumberOfPoints(), header["Redshift"], mass.sum(), total))

# --- Zel'dovich channels: the z = 5.04 snapshot extrapolated to the training redshifts.
channels = servermanager.Fetch(cosmology.deposit(reader, dimensions=32, zeldovich=True, LogDensity=1))


def large_scale_power(name):
    """Mean |delta_k|^2 over the longest modes of the box (0 < |k| <= 2 k_f): still linear."""
    delta = nvtest.point_array(channels, name).reshape(32, 32, 32) - 1.0
    power = numpy.abs(numpy.fft.fftn(delta)) ** 2
    m = numpy.fft.fftfreq(32, 1.0 / 32)
    k2 = m[:, None, None] ** 2 + m[None, :, None] ** 2 + m[None, None, :] ** 2
    return float(power[(k2 > 0) & (k2 <= 4)].mean())


names = ["Density", "Density_z3", "Density_z1.5", "Density_z0.5", "Density_z0"]
sd = {name: float(nvtest.point_array(channels, name).std()) for name in names}
large = {name: large_scale_power(name) for name in names}
print("gadget: density contrast rms", {k: round(v, 3) for k, v in sd.items()})
print("gadget: large-scale power", {k: round(v, 1) for k, v in large.items()})
# On the largest scales structure grows monotonically towards z = 0 (the rms
# of rho/mean rho saturates at z < 0.5, where extrapolated particles cross shells).
check(all(large[a] < large[b] for a, b in zip(names, names[1:])), "large-scale power must grow to z = 0: %s" % large)
check(sd["Density"] < sd["Density_z3"] < sd["Density_z1.5"] < sd["Density_z0.5"], "rms must grow to z = 0.5: %s" % sd)


def growth(z, omega_m=0.3):
    """Linear growth of flat LCDM (Heath integral, numpy quadrature), normalised at z = 0."""
    def unnormalised(a):
        x = numpy.linspace(1e-6, a, 20001)
        e = numpy.sqrt(omega_m / x ** 3 + 1 - omega_m)
        return numpy.sqrt(omega_m / a ** 3 + 1 - omega_m) * numpy.trapz(1 / (x * e) ** 3, x)
    return unnormalised(1 / (1 + z)) / unnormalised(1.0)


# Linear theory on the largest scales: P grows as D^2. Between z = 5.04 and
# z = 1.5 the measured ratio must be within 25 % of (D(1.5)/D(5.04))^2 (CIC
# smoothing and the mild non-linearity of the smallest of these modes).
for name, z in (("Density_z3", 3.0), ("Density_z1.5", 1.5)):
    linear = (growth(z) / growth(header["Redshift"])) ** 2
    ratio = large[name] / large["Density"]
    print("gadget: z = %.2f -> %g large-scale power ratio %.3f, linear theory %.3f" % (header["Redshift"], z, ratio,
                                                                                        linear))
    check(abs(ratio / linear - 1) < 0.25, "%s: growth %.3f, linear theory %.3f" % (name, ratio, linear))
for name in cosmology.LOG_CHANNELS:
    nvtest.point_array(channels, name)
print("gadget: snapshot loads, deposits like numpy CIC, extrapolates to 4 redshift channels")
