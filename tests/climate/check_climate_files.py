"""Oracle (Debian's python3 with h5py and netCDF4): checks the layout of the
DeepCAM HDF5 and ClimateNet NetCDF files NeuralView wrote, and their values
against the arrays the test saved from ParaView.

usage: check_climate_files.py FILE.h5 FILE.nc EXPECTED.npz
Prints OK or raises.
"""

import sys

import h5py
import netCDF4
import numpy

DEEPCAM = ["TMQ", "U850", "V850", "UBOT", "VBOT", "QREFHT", "PS", "PSL", "T200", "T500", "PRECT", "TS", "TREFHT",
           "Z1000", "Z200", "ZBOT"]

h5_path, nc_path, npz_path = sys.argv[1:4]
expected = numpy.load(npz_path)
ny, nx = expected["TMQ"].shape

with h5py.File(h5_path, "r") as f:
    assert list(f.keys()) == ["climate"], "top level %s" % list(f.keys())
    group = f["climate"]
    assert sorted(group.keys()) == ["data", "labels_0"], "climate/ holds %s" % sorted(group.keys())
    data = group["data"]
    assert data.shape == (ny, nx, 16), "data shape %s" % (data.shape,)
    assert data.dtype == numpy.float32, "data dtype %s" % data.dtype
    assert group["labels_0"].shape == (ny, nx), "labels_0 shape %s" % (group["labels_0"].shape,)
    assert numpy.issubdtype(group["labels_0"].dtype, numpy.integer), "labels_0 dtype %s" % group["labels_0"].dtype
    names = data.attrs["channel_names"]
    names = names.decode() if isinstance(names, bytes) else str(names)
    assert names.split(",") == DEEPCAM, "channel_names %s" % names
    values = data[...]
    for c, name in enumerate(DEEPCAM):
        assert numpy.array_equal(values[:, :, c], expected[name].astype(numpy.float32)), "channel %s differs" % name
    assert numpy.array_equal(group["labels_0"][...], expected["LABELS"]), "labels_0 differs"

with netCDF4.Dataset(nc_path) as d:
    assert d.dimensions["lat"].size == ny and d.dimensions["lon"].size == nx, "dims %s" % d.dimensions
    assert d.dimensions["time"].size == 1
    for name in DEEPCAM:
        v = d.variables[name]
        assert v.dimensions == ("time", "lat", "lon"), "%s dims %s" % (name, v.dimensions)
        assert v.dtype == numpy.float32
        assert numpy.array_equal(v[0].filled(numpy.nan), expected[name].astype(numpy.float32)), "%s differs" % name
    labels = d.variables["LABELS"]
    assert labels.dimensions == ("lat", "lon") and labels.dtype == numpy.int32, "LABELS %s %s" % (
        labels.dimensions, labels.dtype)
    assert numpy.array_equal(labels[...], expected["LABELS"]), "LABELS differs"
    assert d.variables["PSL"].units == "Pa" and d.variables["TMQ"].units == "kg/m2"
    lat, lon = d.variables["lat"][...], d.variables["lon"][...]
    assert abs(lat[0] + 90) < 1e-9 and abs(lat[-1] - 90) < 1e-9, "latitudes %g..%g" % (lat[0], lat[-1])
    assert abs(lon[0]) < 1e-9 and abs(lon[1] - 360.0 / nx) < 1e-9, "longitudes %g, %g" % (lon[0], lon[1])
print("OK")
