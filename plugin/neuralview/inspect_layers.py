"""One-call helpers to look inside a trained network: layer activations,
filter weights and attribution maps (saliency, integrated gradients,
Grad-CAM) as arrays on the data.

    from neuralview import inspect_layers
    names = inspect_layers.layer_names("blobs.onnx")
    act = inspect_layers.activations(source, "blobs.onnx", layer=names[2], resolution="native")
    cam = inspect_layers.attribution(source, "blobs.onnx", method="gradcam", target=1)

The helpers create the NetworkActivations and NetworkAttribution filters
through ``servermanager.filters``, so they work whatever namespace the
plugin's constructors were loaded into.
"""

from paraview import servermanager as _sm
from paraview import simple as _simple

_RESOLUTIONS = {"input": 0, "native": 1}
_INTERPOLATIONS = {"nearest": 0, "linear": 1}
_METHODS = {"saliency": 0, "integratedgradients": 1, "ig": 1, "gradcam": 2, "grad-cam": 2}


def _choice(table, value, what):
    key = str(value).lower().replace("_", "").replace(" ", "")
    if key not in table:
        raise ValueError("%s must be one of %s, not %r" % (what, sorted(set(table)), value))
    return table[key]


def _register(proxy, name):
    _sm.ProxyManager().RegisterProxy("sources", "%s%d" % (name, proxy.GetGlobalID()), proxy)
    _simple.SetActiveSource(proxy)
    return proxy


def layer_names(model_file):
    """The tensor names of an ONNX model, in execution order (what `layer` accepts).

    Read on the server through a NetworkActivations proxy; an unreadable file gives [].
    """
    # Any image input will do: the list comes from the model file alone.
    probe = _sm.filters.NetworkActivations(Input=_sm.sources.Wavelet(WholeExtent=[0, 1, 0, 1, 0, 0]),
                                           ModelFile=model_file)
    probe.UpdatePropertyInformation()
    return list(probe.GetProperty("LayerNames").GetData())


def activations(input, model_file, layer="", resolution="input", interpolation="linear", filter_weights=False,
                channel_mapping=None, **properties):
    """Apply NetworkActivations: one array `<layer>_<c>` per channel of `layer`.

    layer          -- a tensor name of the model (see layer_names); "" picks the
                      last feature map before the output
    resolution     -- "input": arrays resampled to the input grid;
                      "native": an image on the layer's coarser grid
    interpolation  -- "nearest" or "linear" (resolution "input" only)
    filter_weights -- also output the producing convolution's weights on port 1
    channel_mapping -- dict {model channel: array name}
    Returns the filter proxy.
    """
    entries = ["%s=%s" % kv for kv in (channel_mapping or {}).items()]
    f = _sm.filters.NetworkActivations(
        Input=input, ModelFile=model_file, Layer=layer, Resolution=_choice(_RESOLUTIONS, resolution, "resolution"),
        Interpolation=_choice(_INTERPOLATIONS, interpolation, "interpolation"),
        OutputFilterWeights=int(bool(filter_weights)), ChannelMapping=entries, **properties)
    return _register(f, "NetworkActivations")


def filter_weights(activations_filter):
    """The filter weights on port 1 of a NetworkActivations filter (with
    filter_weights=True) as a numpy array (outputs, inputs, kernel...), in
    the ONNX weight layout of a convolution."""
    import numpy
    from vtkmodules.util.numpy_support import vtk_to_numpy

    activations_filter.UpdatePipeline()
    blocks = _sm.Fetch(activations_filter, idx=1)
    kernels = []
    for b in range(blocks.GetNumberOfBlocks()):
        image = blocks.GetBlock(b)
        dims = [d for d in reversed(image.GetDimensions())]  # z, y, x
        weight = vtk_to_numpy(image.GetPointData().GetArray("Weight")).reshape(dims + [-1])
        kernel = numpy.moveaxis(weight, -1, 0)  # (inputs, z, y, x)
        kernels.append(kernel[:, 0] if dims[0] == 1 else kernel)
    return numpy.array(kernels)


def attribution(input, model_file, method="saliency", target=-1, layer="", steps=32, region_array=None,
                region_value=1.0, region_bounds=None, channel_mapping=None, **properties):
    """Apply NetworkAttribution: an `Attribution` array on the input.

    method        -- "saliency", "integratedgradients" (or "ig"), "gradcam"
    target        -- output channel (class or regression output); -1: the largest score
    layer         -- Grad-CAM feature map; "" picks the last one before the output
    steps         -- integrated-gradients path points
    region_array, region_value -- explain only the output where the array equals
                     the value (segmentation, autoencoder networks)
    region_bounds -- (xmin, xmax, ymin, ymax, zmin, zmax) box in world coordinates
    channel_mapping -- dict {model channel: array name}
    Returns the filter proxy; field data AttributionScore, AttributionTarget
    (and AttributionBaselineScore for integrated gradients) describe the score.
    """
    entries = ["%s=%s" % kv for kv in (channel_mapping or {}).items()]
    f = _sm.filters.NetworkAttribution(
        Input=input, ModelFile=model_file, Method=_choice(_METHODS, method, "method"), TargetClass=int(target),
        Layer=layer, Steps=int(steps), RegionArray=region_array or "", RegionValue=float(region_value),
        UseRegionBounds=int(region_bounds is not None), ChannelMapping=entries, **properties)
    if region_bounds is not None:
        f.RegionBounds = [float(v) for v in region_bounds]
    return _register(f, "NetworkAttribution")
