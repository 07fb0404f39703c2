"""pvpython: DeepCAM HDF5 and ClimateNet NetCDF writers and readers.

A SyntheticClimate field on CAM5's 768 x 1152 grid is written in both
formats; h5py and netCDF4 (an independent process) check dataset names,
shapes, types and values; NeuralView's readers (and ParaView's own NetCDF
reader) read the files back to the same arrays. Series, sub-extents, channel
subsets and bad input are covered too.
"""

import os
import subprocess
import tempfile

import numpy
import nvtest
from climate_support import fetch, field
from nvtest import check
from paraview import servermanager
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())

DEEPCAM = ["TMQ", "U850", "V850", "UBOT", "VBOT", "QREFHT", "PS", "PSL", "T200", "T500", "PRECT", "TS", "TREFHT",
           "Z1000", "Z200", "ZBOT"]
work = tempfile.mkdtemp(prefix="nv-climate-files-")

source = SyntheticClimate(Seed=4)  # default: 1152 x 768, the CAM5 grid
original = fetch(source, 0)
check(original.GetDimensions() == (1152, 768, 1), "default grid %s" % (original.GetDimensions(),))
expected = {name: field(original, name) for name in DEEPCAM + ["LABELS"]}
numpy.savez(os.path.join(work, "expected.npz"), **{k: v.astype(numpy.int32 if k == "LABELS" else numpy.float32)
                                                    for k, v in expected.items()})

h5 = os.path.join(work, "sample.h5")
nc = os.path.join(work, "sample.nc")
servermanager.writers.DeepCAMWriter(Input=source, FileName=h5).UpdatePipeline(0.0)
servermanager.writers.ClimateNetWriter(Input=source, FileName=nc).UpdatePipeline(0.0)
oracle = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
done = subprocess.run([oracle, os.path.join(os.path.dirname(__file__), "check_climate_files.py"), h5, nc,
                       os.path.join(work, "expected.npz")], capture_output=True, text=True)
check(done.returncode == 0 and "OK" in done.stdout, "h5py/netCDF4 rejected the files: %s" % done.stderr[-3000:])


def same_geometry(a, b, what):
    check(a.GetDimensions() == b.GetDimensions(), "%s dimensions %s vs %s" % (what, a.GetDimensions(),
                                                                            b.GetDimensions()))
    nvtest.check_close(a.GetOrigin()[:2], b.GetOrigin()[:2], 1e-9, what + " origin")
    nvtest.check_close(a.GetSpacing()[:2], b.GetSpacing()[:2], 1e-9, what + " spacing")


for reader, what in ((DeepCAMReader(FileNames=[h5]), "DeepCAMReader"),
                     (ClimateNetReader(FileNames=[nc]), "ClimateNetReader")):
    back = fetch(reader)
    same_geometry(back, original, what)
    for name in DEEPCAM + ["LABELS"]:
        check(numpy.array_equal(field(back, name), expected[name].astype(numpy.float32).astype(numpy.float64)),
              "%s: %s read back differs" % (what, name))
    check(back.GetPointData().GetArray("LABELS").GetDataType() == 6, what + ": LABELS is not an int array")
    # A piece reads only its hyperslab, equal to the same part of the whole.
    part = fetch(ExtractSubset(Input=reader, VOI=[100, 399, 500, 700, 0, 0]))
    check(numpy.array_equal(field(part, "PSL"), field(back, "PSL")[500:701, 100:400]), what + ": piece differs")

# ParaView's own NetCDF reader reads the ClimateNet file on the same grid.
cf = fetch(NetCDFReader(FileName=[nc], OutputType="Image", SphericalCoordinates=0))
check(numpy.array_equal(field(cf, "TMQ"), expected["TMQ"].astype(numpy.float32).astype(numpy.float64)),
      "NetCDFReader reads other TMQ values")

# A channel subset keeps its names. (Series of files are checked below on a
# small grid: a second 768 x 1152 step would only cost time.)
subset = os.path.join(work, "subset.h5")
servermanager.writers.DeepCAMWriter(Input=source, FileName=subset, ChannelNames=["TMQ", "PSL"],
                                    LabelArray="FRONTS").UpdatePipeline(0.0)
sub = fetch(DeepCAMReader(FileNames=[subset]))
names = sorted(sub.GetPointData().GetArrayName(i) for i in range(sub.GetPointData().GetNumberOfArrays()))
check(names == ["LABELS", "PSL", "TMQ"], "subset file arrays %s" % names)
check(numpy.array_equal(field(sub, "LABELS"), field(original, "FRONTS")), "label array choice ignored")

# neuralview.climate.write_samples: one file per time step, read back as a series.
from neuralview import climate  # noqa: E402

small = SyntheticClimate(Dimensions=[144, 96], Seed=8, NumberOfTimeSteps=3)
for fmt, reader_type in (("climatenet", ClimateNetReader), ("deepcam", DeepCAMReader)):
    paths = climate.write_samples(small, os.path.join(work, fmt), format=fmt)
    check(len(paths) == 3 and all(os.path.isfile(p) for p in paths), "%s samples: %s" % (fmt, paths))
    reread = reader_type(FileNames=paths)
    reread.UpdatePipelineInformation()
    check(list(reread.TimestepValues) == [0.0, 1.0, 2.0], "%s series steps %s" % (fmt, list(reread.TimestepValues)))
    check(numpy.array_equal(field(fetch(reread, 2.0), "LABELS"), field(fetch(small, 2.0), "LABELS")),
          "%s: time step 2 read back differs" % fmt)

# Bad input: clear errors, no crash. (Errors of file names come from
# RequestInformation, so the observer is attached before the name is set.)


def errors_of(proxy, **properties):
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    for key, value in properties.items():
        setattr(proxy, key, value)
    proxy.UpdatePipeline()
    return catcher.messages


messages = errors_of(DeepCAMReader(), FileNames=[os.path.join(work, "absent.h5")])
check(any("absent.h5" in m and "HDF5" in m for m in messages), "no clear error: %s" % messages)
messages = errors_of(DeepCAMReader(), FileNames=[nc])  # NetCDF-4 is HDF5 inside, but has no climate/data
check(any("climate/data" in m for m in messages), "no clear error for a non-DeepCAM file: %s" % messages)
messages = errors_of(ClimateNetReader(), FileNames=[os.path.join(work, "expected.npz")])
check(any("NetCDF" in m for m in messages), "no clear error for a non-NetCDF file: %s" % messages)
blobs = GaussianBlobs(Dimensions=[16, 16, 1])
writer = servermanager.writers.DeepCAMWriter(Input=blobs, FileName=os.path.join(work, "blobs.h5"))
catcher = nvtest.ErrorCatcher(writer.GetClientSideObject())
writer.UpdatePipeline()
check(any("TMQ" in m and "lacks" in m for m in catcher.messages), "no clear error for missing channels: %s" %
      catcher.messages)
print("climate files: OK")
