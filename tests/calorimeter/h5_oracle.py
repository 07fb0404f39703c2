"""h5py side of the calorimeter HDF5 round-trip tests (runs in /usr/bin/python3).

    h5_oracle.py dump FILE OUT.npz      every dataset of FILE (and root attributes) into an .npz, with dtypes
    h5_oracle.py make-calogan FILE N    a CaloGAN file written by h5py (seeded random showers)
    h5_oracle.py make-hepcnn FILE N H   a hep_cnn file written by h5py
"""

import json
import sys

import h5py
import numpy


def dump(path, out):
    arrays, meta = {}, {"dtypes": {}, "shapes": {}, "attributes": {}}
    with h5py.File(path, "r") as f:
        for name, dataset in f.items():
            arrays[name] = dataset[()]
            meta["dtypes"][name] = str(dataset.dtype)
            meta["shapes"][name] = list(dataset.shape)
        for key, value in f.attrs.items():
            if isinstance(value, numpy.ndarray):
                value = [v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v) for v in value]
            meta["attributes"][key] = value
    numpy.savez(out, **arrays)
    print(json.dumps(meta))


def make_calogan(path, n):
    rng = numpy.random.default_rng(42)
    with h5py.File(path, "w") as f:
        f["layer_0"] = rng.gamma(0.5, 20.0, size=(n, 3, 96)).astype(numpy.float32)
        f["layer_1"] = rng.gamma(0.5, 200.0, size=(n, 12, 12)).astype(numpy.float32)
        f["layer_2"] = rng.gamma(0.5, 5.0, size=(n, 12, 6)).astype(numpy.float32)
        f["overflow"] = rng.uniform(0, 10, size=(n, 3)).astype(numpy.float32)
        f["energy"] = rng.uniform(1, 100, size=(n, 1)).astype(numpy.float32)


def make_hepcnn(path, n, size):
    rng = numpy.random.default_rng(7)
    with h5py.File(path, "w") as f:
        f["data"] = rng.exponential(1.0, size=(n, 3, size, size)).astype(numpy.float32)
        f["label"] = rng.integers(0, 2, size=n).astype(numpy.float32)
        f["weight"] = rng.uniform(0.5, 2, size=n).astype(numpy.float32)
        f["normweight"] = rng.uniform(0.5, 2, size=n).astype(numpy.float32)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "dump":
        dump(sys.argv[2], sys.argv[3])
    elif command == "make-calogan":
        make_calogan(sys.argv[2], int(sys.argv[3]))
    elif command == "make-hepcnn":
        make_hepcnn(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit("unknown command " + command)
