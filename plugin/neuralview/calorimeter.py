"""neuralview.calorimeter: helpers for the calorimeter science case.

Importable once the NeuralView plugin is loaded::

    from neuralview import calorimeter
    showers = calorimeter.showers(events=300, seed=1)              # CaloGAN e+/gamma/pi+
    events = calorimeter.detector_events(events=500, blocks=True)   # signal vs background images
    table = calorimeter.field_data(events, ["Signal", "PassesSignalRegion"])
    curve = calorimeter.roc(scores, labels, working_point=0.01)

Helpers create proxies through ``servermanager`` so that they work whatever
namespace the plugin's constructors were loaded into.
"""

from paraview import servermanager as _sm
from paraview import simple as _simple

PARTICLES = ["e+", "gamma", "pi+"]
_PARTICLE_IDS = {"e+": 0, "positron": 0, "gamma": 1, "photon": 1, "pi+": 2, "pion": 2, "mixed": 3}


def _register(proxy, name):
    proxy.UpdatePipelineInformation()  # time steps (events) known at once
    _sm.ProxyManager().RegisterProxy("sources", "%s%d" % (name, proxy.GetGlobalID()), proxy)
    _simple.SetActiveSource(proxy)
    return proxy


def showers(events=1, seed=0, particle="mixed", energy=(1.0, 100.0), blocks=False, **properties):
    """A SyntheticCalorimeter in CaloGAN mode.

    events   -- number of showers (time steps, or blocks when blocks=True)
    particle -- "e+", "gamma", "pi+" or "mixed" (each event one of the three)
    energy   -- (minimum, maximum) incident energy in GeV, drawn uniformly
    Port 0: the three layers of an event; port 1: the 12 x 12 network input
    (cell arrays layer_0, layer_1, layer_2); field data ParticleType is the label.
    """
    key = str(particle).lower()
    if key not in _PARTICLE_IDS:
        raise ValueError("particle must be one of e+, gamma, pi+ or mixed, not %r" % (particle,))
    source = _sm.sources.SyntheticCalorimeter(
        Mode=0, Seed=seed, NumberOfEvents=events, Particle=_PARTICLE_IDS[key], MinimumEnergy=energy[0],
        MaximumEnergy=energy[1], EventsAsBlocks=1 if blocks else 0, **properties)
    return _register(source, "SyntheticCalorimeter")


def detector_events(events=1, seed=0, image_size=64, signal_fraction=0.5, blocks=False, **properties):
    """A SyntheticCalorimeter in whole-detector mode: (eta, phi) images of
    RPV-SUSY-like signal (field data Signal = 1) and QCD-like background.

    Cell arrays ECAL, HCAL (transverse energy, GeV) and Tracks; field data
    with the truth jets and the cut-based selection (PassesSignalRegion).
    """
    source = _sm.sources.SyntheticCalorimeter(
        Mode=1, Seed=seed, NumberOfEvents=events, ImageSize=image_size, SignalFraction=signal_fraction,
        EventsAsBlocks=1 if blocks else 0, **properties)
    return _register(source, "SyntheticCalorimeter")


def _blocks(data):
    """The leaf data objects of a composite (in order), or [data]."""
    if data is None:
        return []
    if not data.IsA("vtkCompositeDataSet"):
        return [data]
    leaves = []
    iterator = data.NewIterator()
    iterator.UnRegister(None)
    iterator.SetSkipEmptyNodes(False)
    iterator.InitTraversal()
    while not iterator.IsDoneWithTraversal():
        leaves.append(iterator.GetCurrentDataObject())
        iterator.GoToNextItem()
    return leaves


def field_data(proxy, names, port=0):
    """Per-event field-data values of a source or filter output, as a dict of numpy arrays.

    For an output whose events are blocks (EventsAsBlocks, or ApplyNetwork on
    such an output) each block is one event; otherwise every time step is
    one event. Scalars give one value per event; arrays with several tuples
    (the truth jets) give a list of arrays.
    """
    import numpy
    from vtkmodules.util.numpy_support import vtk_to_numpy

    if isinstance(names, str):
        names = [names]
    proxy.UpdatePipeline()
    steps = list(getattr(proxy, "TimestepValues", None) or [])
    objects = []
    if steps and len(steps) > 1:
        for t in steps:
            proxy.UpdatePipeline(t)
            data = _sm.Fetch(proxy, idx=port)
            objects.extend(_blocks(data))
    else:
        data = _sm.Fetch(proxy, idx=port)
        objects = _blocks(data)
    events = [o for o in objects if o is not None and o.GetFieldData().GetNumberOfArrays() > 0]
    result = {}
    for name in names:
        values = []
        for event in events:
            array = event.GetFieldData().GetArray(name)
            if array is None:
                raise KeyError("an event has no field-data array %r" % name)
            values.append(vtk_to_numpy(array).copy())
        if values and all(v.size == 1 for v in values):
            result[name] = numpy.array([v.reshape(-1)[0] for v in values])
        else:
            result[name] = values
    return result


def _roc_table_source(scores, labels):
    """A TrivialProducer holding a vtkTable of the scores and labels (built-in sessions)."""
    import numpy
    from vtkmodules.util.numpy_support import numpy_to_vtk
    from vtkmodules.vtkCommonDataModel import vtkTable

    scores = numpy.ascontiguousarray(numpy.asarray(scores, dtype=numpy.float64).ravel())
    labels = numpy.ascontiguousarray(numpy.asarray(labels, dtype=numpy.float64).ravel())
    if scores.shape != labels.shape:
        raise ValueError("scores and labels differ in length (%d, %d)" % (scores.size, labels.size))
    table = vtkTable()
    for name, values in (("Score", scores), ("Label", labels)):
        column = numpy_to_vtk(values, deep=1)
        column.SetName(name)
        table.AddColumn(column)
    producer = _sm.sources.PVTrivialProducer()
    producer.GetClientSideObject().SetOutput(table)
    producer.UpdatePipeline()
    return producer


def _roc_result(roc_filter):
    import numpy
    from vtkmodules.util.numpy_support import vtk_to_numpy

    roc_filter.UpdatePipeline()
    table = _sm.Fetch(roc_filter)
    result = {key: vtk_to_numpy(table.GetColumnByName(column)).copy() for key, column in (
        ("fpr", "FalsePositiveRate"), ("tpr", "TruePositiveRate"), ("thresholds", "Threshold"))}
    fd = table.GetFieldData()
    result["auc"] = fd.GetArray("AUC").GetValue(0)
    result["positives"] = int(fd.GetArray("Positives").GetValue(0))
    result["negatives"] = int(fd.GetArray("Negatives").GetValue(0))
    if fd.GetArray("SignalEfficiencyAtWorkingPoint") is not None:
        result["signal_efficiency_at_working_point"] = fd.GetArray("SignalEfficiencyAtWorkingPoint").GetValue(0)
        result["threshold_at_working_point"] = fd.GetArray("ThresholdAtWorkingPoint").GetValue(0)
    result["fpr"] = numpy.asarray(result["fpr"])
    return result


def roc(scores, labels, working_point=0.0, drop_intermediate=True, positive_label=1):
    """ROC curve and AUC of scores against labels, computed by the ROCCurve filter
    (nv::roc_curve / nv::roc_auc, which match scikit-learn).

    Returns {"fpr", "tpr", "thresholds" (numpy arrays), "auc", "positives",
    "negatives"} and, for working_point > 0 (a false positive rate),
    "signal_efficiency_at_working_point" and "threshold_at_working_point".
    Runs in built-in sessions (pvpython, pvbatch, the GUI without a server).
    """
    producer = _roc_table_source(scores, labels)
    roc_filter = _sm.filters.ROCCurve(Input=producer, ScoreArray="Score", LabelArray="Label",
                                      PositiveLabel=positive_label, DropIntermediate=1 if drop_intermediate else 0,
                                      WorkingPointFalsePositiveRate=working_point)
    try:
        return _roc_result(roc_filter)
    finally:
        _simple.Delete(roc_filter)
        _simple.Delete(producer)


def roc_of(proxy, score="Probability_signal", label="Signal", working_point=0.0):
    """Apply the ROCCurve filter to a pipeline object whose blocks carry a score
    and a label as field data (e.g. ApplyNetwork on EventsAsBlocks events);
    returns (filter, result dict as for roc())."""
    roc_filter = _sm.filters.ROCCurve(Input=proxy, ScoreArray=score, LabelArray=label,
                                      WorkingPointFalsePositiveRate=working_point)
    _register(roc_filter, "ROCCurve")
    return roc_filter, _roc_result(roc_filter)


def cut_based_efficiencies(labels, passes):
    """Signal and background efficiencies (true and false positive rates) of a selection."""
    import numpy

    labels = numpy.asarray(labels).astype(int)
    passes = numpy.asarray(passes).astype(bool)
    signal, background = labels == 1, labels == 0
    return (float(passes[signal].mean()) if signal.any() else float("nan"),
            float(passes[background].mean()) if background.any() else float("nan"))


def write_calogan(input, path):
    """Write every event of a CaloGAN-mode source or reader (its Events port) as a CaloGAN HDF5 file."""
    writer = _sm.writers.CaloGANWriter(Input=input, FileName=path)
    writer.UpdatePipeline()
    _simple.Delete(writer)
    return path


def write_hepcnn(input, path, channels=("ECAL", "HCAL", "Tracks"), normalize=False, label="Signal"):
    """Write every event of whole-detector images as a hep_cnn HDF5 file."""
    writer = _sm.writers.HepCNNWriter(Input=input, FileName=path, ChannelArrays=list(channels),
                                      NormalizeChannels=1 if normalize else 0, LabelArray=label)
    writer.UpdatePipeline()
    _simple.Delete(writer)
    return path


def read_calogan(path, blocks=False, particle=None, **properties):
    """Open a CaloGAN HDF5 file; particle ("e+", "gamma", "pi+") labels files without a particle dataset."""
    reader = _sm.sources.CaloGANReader(FileName=path, EventsAsBlocks=1 if blocks else 0, **properties)
    if particle is not None:
        reader.ParticleType = _PARTICLE_IDS[str(particle).lower()]
    return _register(reader, "CaloGANReader")


def read_hepcnn(path, blocks=False, **properties):
    """Open a hep_cnn HDF5 file."""
    reader = _sm.sources.HepCNNReader(FileName=path, EventsAsBlocks=1 if blocks else 0, **properties)
    return _register(reader, "HepCNNReader")
