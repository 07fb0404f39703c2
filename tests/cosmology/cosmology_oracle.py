"""Oracles for the cosmology pipeline tests, run in /usr/bin/python3 (h5py, numpy)
in a separate process from ParaView (two HDF5 libraries in one process are not safe).

    cosmology_oracle.py write-cosmoflow <file.hdf5> <expected.npz> [channels-first]
        writes a CosmoFlow-layout sample with h5py (int16 counts like CosmoFlow's
        files, unitPar, physPar, namePar, redshifts) and saves what a reader must return
    cosmology_oracle.py read-cosmoflow <file.hdf5> <out.npz>
        reads a file written by the plugin: full, unitPar, physPar, redshifts, namePar, attributes
    cosmology_oracle.py gadget <snapshot.hdf5> <grid> <out.npz>
        Header attributes, particle counts and masses, and an independent numpy
        cloud-in-cell of the dark matter on a periodic grid^3
"""

import json
import sys

import h5py
import numpy


def write_cosmoflow(path, expected, channels_first=False):
    rng = numpy.random.default_rng(4)
    full = rng.poisson(3.0, size=(12, 10, 8, 4)).astype(numpy.int16)  # (x, y, z, channel) particle counts
    unit = numpy.array([0.25, -0.5, 0.75, -1.0], dtype=numpy.float32)
    phys = (1 + 0.1 * unit.astype(numpy.float64)) * numpy.array([0.3, 0.8, 0.96, 70.0])
    with h5py.File(path, "w") as f:
        f["full"] = numpy.moveaxis(full, 3, 0) if channels_first else full
        f["unitPar"] = unit
        f["physPar"] = phys
        f["namePar"] = numpy.array([b"Omega_m", b"sigma_8", b"N_spec", b"H_0"])
        f["redshifts"] = numpy.array([0.0, 0.5, 1.5, 3.0])
    numpy.savez(expected, full=full.astype(numpy.float32), unitPar=unit, physPar=phys)


def read_cosmoflow(path, out):
    with h5py.File(path, "r") as f:
        result = {key: f[key][()] for key in ("full", "unitPar", "physPar", "redshifts")}
        result["dtype"] = numpy.array(str(f["full"].dtype))
        result["namePar"] = numpy.array([n.decode() if isinstance(n, bytes) else n for n in f["namePar"][()]])
        names = f.attrs["channel_names"]
        result["channel_names"] = numpy.array([n.decode() if isinstance(n, bytes) else n for n in names])
        result["BoxSize"] = numpy.array(f.attrs["BoxSize"])
    numpy.savez(out, **result)


def cic_periodic(positions, masses, n, box):
    """Cloud-in-cell on n^3 points at i * box / n, periodic; returns grid[z, y, x]."""
    u = numpy.mod(positions / box * n, n)
    i0 = numpy.floor(u).astype(numpy.int64)
    w1 = u - i0
    i0 %= n
    i1 = (i0 + 1) % n
    grid = numpy.zeros((n, n, n))
    for dx in (0, 1):
        for dy in (0, 1):
            for dz in (0, 1):
                w = (w1[:, 0] if dx else 1 - w1[:, 0]) * (w1[:, 1] if dy else 1 - w1[:, 1]) * \
                    (w1[:, 2] if dz else 1 - w1[:, 2])
                ix = i1[:, 0] if dx else i0[:, 0]
                iy = i1[:, 1] if dy else i0[:, 1]
                iz = i1[:, 2] if dz else i0[:, 2]
                numpy.add.at(grid, (iz, iy, ix), masses * w)
    return grid


def gadget(path, n, out):
    with h5py.File(path, "r") as f:
        header = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in f["Header"].attrs.items()}
        header = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in header.items()}
        coords = f["PartType1/Coordinates"][()].astype(numpy.float64)
        ids = f["PartType1/ParticleIDs"][()]
        mass = float(f["Header"].attrs["MassTable"][1])
        gas = f["PartType0/Coordinates"].shape[0] if "PartType0" in f else 0
    box = float(header["BoxSize"])
    grid = cic_periodic(coords, numpy.full(len(coords), mass), n, box)
    numpy.savez(out, grid=grid, count=len(coords), gas=gas, mass=mass, first_ids=ids[:5],
                header=numpy.array(json.dumps(header, default=float)))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "write-cosmoflow":
        write_cosmoflow(sys.argv[2], sys.argv[3], len(sys.argv) > 4 and sys.argv[4] == "channels-first")
    elif command == "read-cosmoflow":
        read_cosmoflow(sys.argv[2], sys.argv[3])
    elif command == "gadget":
        gadget(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("unknown command " + command)
