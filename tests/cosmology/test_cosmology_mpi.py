"""pvbatch --symmetric under mpirun -np 2: the GADGET reader splits the particles
between the ranks, DepositParticles deposits each rank's own particles and sums
the grids over the ranks; every rank's piece of the image equals the serial
numpy cloud-in-cell of all particles, and the mass is conserved. Exits 77 when
the real snapshot is absent.
"""

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

from mpi4py import MPI  # noqa: E402
from paraview.simple import *  # noqa: F401,F403,E402

nvtest.load_plugin(globals())
from neuralview import cosmology  # noqa: E402

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
check(size == 2, "run with mpirun -np 2 (got %d processes)" % size)

# Each rank computes the oracle itself (a subprocess: no collective involved).
work = tempfile.mkdtemp(prefix="nv-cosmo-mpi-%d-" % rank)
oracle_file = os.path.join(work, "gadget.npz")
done = subprocess.run([os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3",
                       os.path.join(nvtest.SOURCE_DIR, "tests", "cosmology", "cosmology_oracle.py"), "gadget",
                       snapshot, "32", oracle_file], capture_output=True, text=True)
check(done.returncode == 0, "oracle failed: %s" % done.stderr[-2000:])
oracle = numpy.load(oracle_file)

reader = cosmology.read_gadget(snapshot)
grid = cosmology.deposit(reader, dimensions=32, zeldovich=True)
grid.UpdatePipeline()
local_particles = reader.GetClientSideObject().GetOutputDataObject(0).GetNumberOfPoints()
image = grid.GetClientSideObject().GetOutputDataObject(0)
extent = image.GetExtent()

count = int(oracle["count"])
total_mass = count * float(oracle["mass"])
print("rank %d: %d particles, extent %s" % (rank, local_particles, extent))
check(0 < local_particles < count, "rank %d read %d of %d particles: the reader did not split them" %
      (rank, local_particles, count))
check(comm.allreduce(local_particles) == count, "the ranks did not read every particle exactly once")
check_close(nvtest.field_array(image, "TotalMass").ravel()[0], total_mass, 1e-9 * total_mass, "TotalMass")

# Rank 0 assembles the pieces (they may share boundary planes) into the whole grid.
piece = nvtest.point_array(image, "Mass").copy() if image.GetNumberOfPoints() else None
pieces = comm.gather((extent, piece), root=0)
if rank == 0:
    whole = numpy.full((32, 32, 32), numpy.nan)
    for (e, values) in pieces:
        if values is None:
            continue
        shape = (e[5] - e[4] + 1, e[3] - e[2] + 1, e[1] - e[0] + 1)
        whole[e[4]:e[5] + 1, e[2]:e[3] + 1, e[0]:e[1] + 1] = values.reshape(shape)
    check(not numpy.isnan(whole).any(), "the ranks' pieces do not cover the grid")
    worst = float(numpy.max(numpy.abs(whole - oracle["grid"])))
    check(worst <= 1e-9 * float(oracle["grid"].max()), "distributed deposit differs from numpy CIC by %.3g" % worst)
    check_close(whole.sum(), total_mass, 1e-9 * total_mass, "deposited mass")
    check(len([p for p in pieces if p[1] is not None]) == 2, "one rank holds the whole image")
for name in cosmology.CHANNELS:
    if image.GetNumberOfPoints():
        nvtest.point_array(image, name)
comm.Barrier()
print("rank %d: distributed deposit equals the serial CIC" % rank)
