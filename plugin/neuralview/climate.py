"""Climate helpers: synthetic CAM5-like fields, reanalysis files as network
inputs, DeepCAM/ClimateNet files, and segmentation scores.

Importable as ``neuralview.climate`` once the NeuralView plugin is loaded.
"""

from paraview import servermanager as _sm
from paraview import simple as _simple

#: DeepCAM's channel order (and the SyntheticClimate variables).
DEEPCAM_CHANNELS = ["TMQ", "U850", "V850", "UBOT", "VBOT", "QREFHT", "PS", "PSL",
                    "T200", "T500", "PRECT", "TS", "TREFHT", "Z1000", "Z200", "ZBOT"]
#: The channels of ClimateNet's 4-channel models.
CLIMATENET_CHANNELS = ["TMQ", "U850", "V850", "PSL"]
#: Class names of LABELS.
CLASS_NAMES = ["background", "TC", "AR"]


def _register(proxy, name):
    _sm.ProxyManager().RegisterProxy("sources", "%s%d" % (name, proxy.GetGlobalID()), proxy)
    _simple.SetActiveSource(proxy)
    return proxy


def synthetic(dimensions=(144, 96), seed=0, time_steps=1, **properties):
    """A SyntheticClimate source: `dimensions` = (longitudes, latitudes)."""
    source = _sm.sources.SyntheticClimate(Dimensions=list(dimensions), Seed=seed, NumberOfTimeSteps=time_steps,
                                          **properties)
    return _register(source, "SyntheticClimate")


def _point_range(proxy, name):
    proxy.UpdatePipeline()
    info = proxy.GetDataInformation().GetPointDataInformation().GetArrayInformation(name)
    return info.GetComponentRange(0) if info else None


def reanalysis(path, level=850, level_index=None, pressure_in_pa=True):
    """Open a lat-lon NetCDF file (reanalysis, CAM history) as a network input.

    The 2-D fields (PREH2O, PSL, TS, ...) come through ParaView's own NetCDF
    CF reader (Output Type "Image"); the pressure-level winds become U850 and
    V850 (named for `level`):
    - with `level_index`, through the NetCDF reader's (lev, lat, lon) output
      and ExtractPressureLevel at that index;
    - otherwise through ClimateNetReader with PressureLevels=[level], which
      finds the level in the file's level coordinate. It also reads files the
      CF reader cannot read in 4-D (NCEP's "months since Jan 1979" time).
    Sea-level and surface pressure given in hPa (values below 2000) are
    converted to Pa when `pressure_in_pa`, the units CAM5-trained models use.
    Returns the proxy whose output holds all arrays on one 2-D lat-lon image.
    """
    # paraview.simple's constructor sets the reader's domain-dependent
    # defaults (the 2-D dimensions), which a bare servermanager proxy lacks.
    flat_reader = _simple.NetCDFReader(FileName=[path], OutputType="Image", SphericalCoordinates=0)
    flat = _register(_sm.filters.ExtractPressureLevel(Input=flat_reader, LevelName=""), "ExtractPressureLevel")
    suffix = "%g" % level
    layered = None
    dims = list(getattr(flat_reader.GetProperty("Dimensions"), "Available", []) or [])
    three_d = [d for d in dims if d.count(",") == 2 and "lat" in d and "lon" in d and "time" not in d]
    if level_index is not None and three_d:
        level_reader = _simple.NetCDFReader(FileName=[path], OutputType="Image", SphericalCoordinates=0,
                                            Dimensions=three_d[0])
        layered = _register(_sm.filters.ExtractPressureLevel(Input=level_reader, LevelIndex=int(level_index),
                                                             LevelName=suffix), "ExtractPressureLevel")
    else:
        reader = _register(_sm.sources.ClimateNetReader(FileNames=[path], PressureLevels=[float(level)]),
                           "ClimateNetReader")
        reader.UpdatePipeline()
        names = [reader.PointData.GetArray(i).GetName() for i in range(len(reader.PointData))]
        wanted = [n for n in names if n.endswith(suffix) and n[:-len(suffix)] in ("U", "V", "T", "Z", "Q", "OMEGA")]
        if wanted:
            layered = _register(_sm.filters.PassArrays(Input=reader, PointDataArrays=wanted, CellDataArrays=[],
                                                       FieldDataArrays=[]), "PassArrays")
    result = flat
    if layered is not None:
        result = _register(_sm.filters.AppendAttributes(Input=[flat, layered]), "AppendAttributes")
    if pressure_in_pa:
        for name in ("PSL", "PS"):
            r = _point_range(result, name)
            if r and 0 < r[1] < 2000.0:  # hPa: no real surface pressure is below 2000 Pa
                result = _register(_sm.filters.Calculator(Input=result, AttributeType="Point Data",
                                                          ResultArrayName=name, Function="%s*100" % name),
                                   "Calculator")
    return result


def write_samples(source, folder, time_steps=None, format="deepcam", prefix="sample"):
    """Write time steps of `source` as DeepCAM HDF5 (``format="deepcam"``) or
    ClimateNet NetCDF (``"climatenet"``) files, one per step; returns the paths."""
    import os

    if format not in ("deepcam", "climatenet"):
        raise ValueError("format must be 'deepcam' or 'climatenet', not %r" % format)
    os.makedirs(folder, exist_ok=True)
    steps = list(time_steps) if time_steps is not None else (list(source.TimestepValues) or [0.0])
    extension = "h5" if format == "deepcam" else "nc"
    paths = []
    for k, t in enumerate(steps):
        path = os.path.join(folder, "%s_%04d.%s" % (prefix, k, extension))
        if format == "deepcam":
            writer = _sm.writers.DeepCAMWriter(Input=source, FileName=path)
        else:
            writer = _sm.writers.ClimateNetWriter(Input=source, FileName=path, Time=float(t))
        writer.UpdatePipeline(float(t))
        del writer
        paths.append(path)
    return paths


def fetch_arrays(proxy, names, time=None):
    """Point arrays of `proxy` (at `time`) as numpy arrays shaped (lat, lon)."""
    from vtkmodules.util.numpy_support import vtk_to_numpy

    if time is None:
        proxy.UpdatePipeline()
    else:
        proxy.UpdatePipeline(float(time))
    data = _sm.Fetch(proxy)
    nx, ny, _ = data.GetDimensions()
    out = {}
    for name in names:
        array = data.GetPointData().GetArray(name)
        if array is None:
            raise KeyError("no point array %r" % name)
        out[name] = vtk_to_numpy(array).reshape(ny, nx).copy()
    return out


def iou_scores(prediction, truth, classes=3):
    """Per-class intersection over union and their mean (classes absent from
    both prediction and truth are left out of the mean)."""
    import numpy

    prediction = numpy.asarray(prediction).ravel()
    truth = numpy.asarray(truth).ravel()
    scores = []
    for c in range(classes):
        union = numpy.logical_or(prediction == c, truth == c).sum()
        inter = numpy.logical_and(prediction == c, truth == c).sum()
        scores.append(float(inter) / union if union else float("nan"))
    valid = [s for s in scores if s == s]
    return scores, (sum(valid) / len(valid) if valid else float("nan"))
