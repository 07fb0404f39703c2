"""pvpython: real reanalysis files (../shared/data/real/climate) through
ParaView's own NetCDF CF reader as network inputs.

- NCEP climatology: PREH2O, PSL through NetCDFReader (Output Type Image),
  U850/V850 at level index 2 (850 hPa), PSL converted from hPa to Pa; values
  checked against netCDF4 in a separate process.
- CCM3 snapshot: a (lev, lat, lon) read by NetCDFReader, one level taken by
  ExtractPressureLevel, checked against netCDF4.
- Models trained on channel subsets (TMQ only; TMQ, U850, V850, PSL) apply to
  the NCEP fields through the channel synonyms (PREH2O is TMQ); a field
  without moisture gets a clear error naming TMQ.
Exits 77 (skipped) when the real files are absent.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy
import nvtest
from climate_support import fetch, field
from nvtest import check
from paraview.simple import *  # noqa: F401,F403

DATA = os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "..", "shared", "data", "real", "climate")
NCEP = os.path.join(DATA, "NCEP_06_climo.nc")
CCM3 = os.path.join(DATA, "80.nc")
if not (os.path.isfile(NCEP) and os.path.isfile(CCM3)):
    print("skipped: the real climate files (NCEP_06_climo.nc, 80.nc) are not in %s" % DATA)
    sys.exit(77)

nvtest.load_plugin(globals())
import neuralview  # noqa: E402
from neuralview import climate  # noqa: E402

work = tempfile.mkdtemp(prefix="nv-climate-real-")

# The oracle: netCDF4 in Debian's python3 reads the same variables.
oracle_script = """
import sys, numpy, netCDF4
n = netCDF4.Dataset(sys.argv[1]); c = netCDF4.Dataset(sys.argv[2])
numpy.savez(sys.argv[3], PREH2O=n['PREH2O'][0], PSL=n['PSL'][0], U850=n['U'][0, 2], V850=n['V'][0, 2],
            lev=n['lev'][:], lat=n['lat'][:], lon=n['lon'][:], U14=c['U'][0, 14], clev=c['lev'][:])
"""
oracle = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
truth_path = os.path.join(work, "truth.npz")
done = subprocess.run([oracle, "-c", oracle_script, NCEP, CCM3, truth_path], capture_output=True, text=True)
check(done.returncode == 0, "netCDF4 could not read the files: %s" % done.stderr[-2000:])
truth = numpy.load(truth_path)
check(abs(truth["lev"][2] - 850.0) < 1e-3, "NCEP level index 2 is %g hPa, not 850" % truth["lev"][2])

# ParaView's NetCDF reader alone: the 2-D fields as an image.
plain = fetch(NetCDFReader(FileName=[NCEP], OutputType="Image", SphericalCoordinates=0))
check(plain.GetClassName() == "vtkImageData" and plain.GetDimensions()[:2] == (128, 64),
      "NetCDFReader gave %s %s" % (plain.GetClassName(), plain.GetDimensions()))
check(numpy.allclose(field(plain, "PREH2O"), truth["PREH2O"]), "PREH2O differs from netCDF4")

# The helper: 2-D fields plus U850/V850, pressure in Pa, on one clean 2-D image.
inputs = climate.reanalysis(NCEP, level=850)
data = fetch(inputs)
check(data.GetDimensions() == (128, 64, 1), "reanalysis input dimensions %s" % (data.GetDimensions(),))
check(all(numpy.isfinite(data.GetSpacing())), "spacing %s" % (data.GetSpacing(),))
nvtest.check_close(data.GetOrigin()[:2], [truth["lon"][0], truth["lat"][0]], 1e-4, "origin")
for name in ("PREH2O", "U850", "V850"):
    check(numpy.allclose(field(data, name), truth[name], atol=1e-5), "%s differs from netCDF4's" % name)
check(numpy.allclose(field(data, "PSL"), truth["PSL"] * 100.0, rtol=1e-6), "PSL not converted from hPa to Pa")
print("NCEP: PREH2O %.1f-%.1f kg/m2, PSL %.0f-%.0f Pa, U850 %.1f-%.1f m/s" % (
    field(data, "PREH2O").min(), field(data, "PREH2O").max(), field(data, "PSL").min(), field(data, "PSL").max(),
    field(data, "U850").min(), field(data, "U850").max()))

# NetCDFReader's (lev, lat, lon) output and ExtractPressureLevel (index 14 of
# the CCM3 hybrid levels, 866 hPa).
levels = NetCDFReader(FileName=[CCM3], OutputType="Image", SphericalCoordinates=0, Dimensions="(lev, lat, lon)")
sliced = fetch(ExtractPressureLevel(Input=levels, LevelIndex=14, LevelName="866"))
check(sliced.GetDimensions() == (128, 64, 1), "slice dimensions %s" % (sliced.GetDimensions(),))
check(numpy.allclose(field(sliced, "U866"), truth["U14"], atol=1e-5), "U at level index 14 differs from netCDF4's")
bad = ExtractPressureLevel(Input=levels, LevelName="x")
catcher = nvtest.ErrorCatcher(bad.GetClientSideObject())
bad.LevelIndex = 40
bad.UpdatePipeline()
check(any("LevelIndex 40" in m for m in catcher.messages), "no clear error for a level out of range: %s" %
      catcher.messages)

# Models trained on channel subsets of synthetic fields apply to the real ones.
train = SyntheticClimate(Dimensions=[144, 96], Seed=2, NumberOfTimeSteps=4)
for channels in (["TMQ"], ["TMQ", "U850", "V850", "PSL"]):
    model = os.path.join(work, "model_%d.onnx" % len(channels))
    neuralview.train(train, channels, label="LABELS", task="segmentation", model_file=model, epochs=1,
                     Architecture="segnet-small", BatchSize=2, Seed=1, ClassNames=climate.CLASS_NAMES,
                     ValidationFraction=0.25)
    out = fetch(neuralview.apply(inputs, model))
    prediction = field(out, "Prediction")
    check(prediction.shape == (64, 128), "prediction shape %s" % (prediction.shape,))
    check(set(numpy.unique(prediction)) <= {0.0, 1.0, 2.0}, "prediction classes %s" % numpy.unique(prediction))
    p = [field(out, "Probability_" + c) for c in climate.CLASS_NAMES]
    check(numpy.allclose(sum(p), 1.0, atol=1e-5), "class probabilities do not sum to one")
    meta = nvtest.onnx_summary(model)["metadata"]
    check(json.loads(meta["channel_names"]) == channels, "model channels %s" % meta["channel_names"])

# A field without moisture: the error names the missing channel.
no_moisture = ExtractPressureLevel(Input=levels, LevelIndex=14, LevelName="850")
applied = ApplyNetwork(Input=no_moisture)
catcher = nvtest.ErrorCatcher(applied.GetClientSideObject())
applied.ModelFile = os.path.join(work, "model_1.onnx")
applied.UpdatePipeline()
check(any("TMQ" in m for m in catcher.messages), "no clear error for a missing TMQ: %s" % catcher.messages)
print("real reanalysis: OK")
