"""NeuralView helpers for pvpython, pvbatch and the GUI's Python shell.

Importable once the NeuralView plugin is loaded (it is embedded in the
plugin). Helpers create proxies through ``servermanager.filters`` and
``servermanager.sources`` so they work whatever namespace the plugin's
constructors were loaded into.
"""

from paraview import servermanager as _sm
from paraview import simple as _simple


def gaussian_blobs(dimensions=(128, 128, 1), seed=0, time_steps=1, **properties):
    """Create a GaussianBlobs source: seeded blobs in noise with a BlobLabel array.

    dimensions -- points along x, y, z (z = 1 for 2-D)
    seed       -- the same seed gives the same fields
    time_steps -- independent fields at times 0, 1, 2, ...
    Other keyword arguments set properties of the source by name.
    """
    source = _sm.sources.GaussianBlobs(
        Dimensions=list(dimensions), Seed=seed, NumberOfTimeSteps=time_steps, **properties)
    _sm.ProxyManager().RegisterProxy("sources", "GaussianBlobs%d" % source.GetGlobalID(), source)
    _simple.SetActiveSource(source)
    return source


def normalize_channels(input, arrays, **properties):
    """Apply NormalizeChannels to `input`, stacking `arrays` (names, in order) into channels.

    Returns the filter proxy; its port 0 carries the NormalizedChannels array
    and port 1 a table of per-channel statistics.
    """
    if isinstance(arrays, str):
        arrays = [arrays]
    f = _sm.filters.NormalizeChannels(Input=input, InputArrays=list(arrays), **properties)
    _sm.ProxyManager().RegisterProxy("sources", "NormalizeChannels%d" % f.GetGlobalID(), f)
    _simple.SetActiveSource(f)
    return f


def channel_statistics(normalize_filter):
    """Fetch the statistics table of a NormalizeChannels filter as a dict.

    Returns {channel name: {"mean": m, "stddev": s, "minimum": lo, "maximum": hi, "count": n}}.
    """
    normalize_filter.UpdatePipeline()
    table = _sm.Fetch(normalize_filter, idx=1)  # gathered to the client; rows live on rank 0 only
    names = table.GetColumnByName("Channel")
    result = {}
    for row in range(table.GetNumberOfRows()):
        result[names.GetValue(row)] = {
            key.lower(): table.GetColumnByName(key).GetValue(row)
            for key in ("Mean", "StdDev", "Minimum", "Maximum", "Count")}
    return result


_TASKS = {"segmentation": 0, "classification": 1, "regression": 2, "autoencoder": 3}


def train(input, arrays, label=None, task="segmentation", model_file="", epochs=10, **properties):
    """Train a network on `input` and return the TrainNetwork filter (already run).

    arrays     -- names of the point/cell arrays that become channels, in order
    label      -- per-pixel class array (segmentation) or field-data array per sample
                  (classification: class id; regression: target values); None for autoencoders
    task       -- "segmentation", "classification", "regression" or "autoencoder"
    model_file -- where the ONNX model is written
    Other keyword arguments set TrainNetwork properties (Architecture, BatchSize,
    LearningRate, CropSize, Seed, TimeLimit, ...). The history table is the
    filter's output; fetch it with history(filter).
    """
    if isinstance(arrays, str):
        arrays = [arrays]
    if task.lower() not in _TASKS:
        raise ValueError("task must be one of %s, not %r" % (sorted(_TASKS), task))
    f = _sm.filters.TrainNetwork(Input=input, InputArrays=list(arrays), LabelArray=label or "",
                                 ModelFile=model_file, Epochs=epochs, **properties)
    f.Task = _TASKS[task.lower()]
    _sm.ProxyManager().RegisterProxy("sources", "TrainNetwork%d" % f.GetGlobalID(), f)
    f.UpdatePipeline()
    _simple.SetActiveSource(f)
    return f


def apply(input, model_file, channel_mapping=None, **properties):
    """Apply an ONNX model to `input`; returns the ApplyNetwork filter.

    channel_mapping -- dict {model channel: array name} for arrays named differently,
                       e.g. {"TMQ": "IWV"}
    """
    entries = ["%s=%s" % kv for kv in (channel_mapping or {}).items()]
    f = _sm.filters.ApplyNetwork(Input=input, ModelFile=model_file, ChannelMapping=entries, **properties)
    _sm.ProxyManager().RegisterProxy("sources", "ApplyNetwork%d" % f.GetGlobalID(), f)
    _simple.SetActiveSource(f)
    return f


def history(train_filter):
    """The training history of a TrainNetwork filter as {column: [values per epoch]}."""
    train_filter.UpdatePipeline()
    table = _sm.Fetch(train_filter)
    return {table.GetColumnName(c): [table.GetColumn(c).GetValue(r) for r in range(table.GetNumberOfRows())]
            for c in range(table.GetNumberOfColumns())}


# Layer activations, filter weights and attribution maps (issue 9).
from . import inspect_layers  # noqa: E402,F401
from .inspect_layers import activations, attribution, layer_names  # noqa: E402,F401

# Embeddings, clusters, confusion matrices and anomaly maps (issue 9).
from . import embeddings  # noqa: E402,F401
from .embeddings import anomaly_map, cluster_features, confusion_matrix, embed_features  # noqa: E402,F401
