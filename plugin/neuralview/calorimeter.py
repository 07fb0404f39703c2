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


def field_data_only(source, names):
    """A PassArrays filter keeping only the named field-data arrays (no cell or
    point arrays), so that fetching many events' field data stays cheap."""
    return _sm.filters.PassArrays(Input=source, PointDataArrays=[], CellDataArrays=[], FieldDataArrays=list(names))


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


# ------------------------------------------------------------ physics features
# High-level features for the classical baselines of the two workflows: what
# a physicist would select on, computed from the same events the network sees.

SHOWER_FEATURES = ["log_total_energy", "fraction_layer_0", "fraction_layer_1", "fraction_layer_2", "shower_depth",
                   "width_layer_0", "width_layer_1", "width_layer_2", "core_fraction_layer_1"]


def _weighted_width(energy, axis_index):
    """Energy-weighted RMS of the cell index along an axis (cells, 0 for an empty layer)."""
    import numpy

    total = energy.sum()
    if total <= 0:
        return 0.0
    profile = energy.sum(axis=1 - axis_index)
    index = numpy.arange(profile.size)
    mean = (profile * index).sum() / total
    return float(numpy.sqrt(max((profile * (index - mean) ** 2).sum() / total, 0.0)))


def shower_features(source):
    """Shower-shape features of every event of a CaloGAN-mode source or reader
    with EventsAsBlocks (port 0: one block of three layers per event).

    Returns (features: numpy array events x len(SHOWER_FEATURES), particle
    types). Negative (noise) cell energies count as zero. Widths: layer_0
    along its 96 fine strips, layer_1 along both axes (in quadrature),
    layer_2 along its 12 rows; shower depth: energy-weighted mean layer index.
    """
    import numpy
    from vtkmodules.util.numpy_support import vtk_to_numpy

    source.UpdatePipeline()
    events = _sm.Fetch(source, idx=0)
    if events is None or not events.IsA("vtkMultiBlockDataSet"):
        raise ValueError("shower_features needs a CaloGAN-mode source with EventsAsBlocks")
    rows, types = [], []
    for b in range(events.GetNumberOfBlocks()):
        layers = events.GetBlock(b)
        if layers is None:
            continue
        energies = []
        for k in range(3):
            image = layers.GetBlock(k)
            nx, ny, _ = image.GetDimensions()
            cells = vtk_to_numpy(image.GetCellData().GetArray("Energy")).astype(numpy.float64)
            energies.append(numpy.maximum(cells[: (nx - 1) * (ny - 1)].reshape(ny - 1, nx - 1), 0.0))
        sums = numpy.array([e.sum() for e in energies])
        total = max(sums.sum(), 1e-9)
        fractions = sums / total
        width_1 = numpy.hypot(_weighted_width(energies[1], 0), _weighted_width(energies[1], 1))
        rows.append([numpy.log(1.0 + total), fractions[0], fractions[1], fractions[2],
                     float((fractions * numpy.arange(3)).sum()), _weighted_width(energies[0], 0), width_1,
                     _weighted_width(energies[2], 1), energies[1].max() / max(sums[1], 1e-9)])
        types.append(int(layers.GetFieldData().GetArray("ParticleType").GetValue(0)))
    return numpy.array(rows), numpy.array(types)


JET_FEATURES = ["selected_jets", "all_jets", "leading_jet_pt", "fourth_jet_pt", "summed_jet_pt", "summed_jet_mass",
                "delta_eta_12"]


def jet_features(source):
    """Jet features of every event of a whole-detector source or reader (the
    truth jets in its field data): selected jets (pT > 200 GeV, |eta| < 2),
    all jets, leading and fourth jet pT, summed pT and summed mass of the four
    leading selected jets, |delta eta| of the two leading. Cell arrays are
    dropped before the events are fetched, so this is cheap.

    Returns (features: events x len(JET_FEATURES), labels (Signal), passes
    signal region).
    """
    import numpy

    names = ["JetPt", "JetEta", "SelectedJets", "LeadingJetPt", "DeltaEta12", "SummedJetMass", "Signal",
             "PassesSignalRegion"]
    light = field_data_only(source, names)
    try:
        values = field_data(light, names)
    finally:
        _simple.Delete(light)
    rows = []
    for k in range(len(values["Signal"])):
        pt = numpy.atleast_1d(values["JetPt"][k]) if isinstance(values["JetPt"], list) else numpy.atleast_1d(
            values["JetPt"][k])
        eta = numpy.atleast_1d(values["JetEta"][k]) if isinstance(values["JetEta"], list) else numpy.atleast_1d(
            values["JetEta"][k])
        selected = numpy.sort(pt[(pt > 200.0) & (numpy.abs(eta) < 2.0)])[::-1]
        rows.append([values["SelectedJets"][k], float(pt.size), values["LeadingJetPt"][k],
                     selected[3] if selected.size > 3 else 0.0, selected[:4].sum(), values["SummedJetMass"][k],
                     values["DeltaEta12"][k]])
    return numpy.array(rows, dtype=numpy.float64), values["Signal"].astype(int), values["PassesSignalRegion"].astype(int)
