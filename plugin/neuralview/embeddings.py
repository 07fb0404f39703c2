"""Helpers for the representation filters: embeddings, clusters, confusion
matrices and anomaly maps of what a network learned.

Each constructor returns the (registered, active) filter proxy; the fetch
helpers bring its results to the client as numpy arrays. Constructors go
through ``servermanager.filters`` so they work whatever namespace the
plugin was loaded into.
"""

from paraview import servermanager as _sm
from paraview import simple as _simple


def _register(proxy, name):
    _sm.ProxyManager().RegisterProxy("sources", "%s%d" % (name, proxy.GetGlobalID()), proxy)
    _simple.SetActiveSource(proxy)
    return proxy


def _feature_properties(model_file, layer, arrays, label, granularity):
    properties = {"ModelFile": model_file or "", "Layer": layer or "", "LabelArray": label or "",
                  "Granularity": granularity}
    if arrays:
        properties["FeatureArrays"] = [arrays] if isinstance(arrays, str) else list(arrays)
    return properties


def embed_features(input, model_file="", layer="", arrays=None, label=None, granularity="PerSample",
                   method="PCA", dimensions=2, **properties):
    """Embed feature vectors of `input` in 2-D or 3-D; returns the EmbedFeatures filter.

    model_file  -- ONNX model whose layer activations are the features; empty: use `arrays`
    layer       -- tensor name; empty: the bottleneck
    arrays      -- without a model, the arrays whose values are the features
    label       -- array carried as Label (point/cell array, or field data per sample)
    granularity -- "PerSample" (time steps or blocks), "PerPixel" or "PerPatch"
    method      -- "PCA", "TSNE" or "UMAP"
    Other keyword arguments set properties (MaxPoints, Seed, Perplexity, Neighbors, ...).
    The output is a point cloud with Label, Prediction, Error, SampleIndex,
    PointIndex and GlobalIds; fetch it with embedding(filter).
    """
    props = _feature_properties(model_file, layer, arrays, label, granularity)
    props.update(Method=method, Dimensions=dimensions)
    props.update(properties)
    return _register(_sm.filters.EmbedFeatures(Input=input, **props), "EmbedFeatures")


def cluster_features(input, method="KMeans", k=3, model_file="", layer="", arrays=None, label=None,
                     granularity="PerSample", **properties):
    """Cluster feature vectors of `input` (or an embedding's points); returns the ClusterFeatures filter.

    method -- "KMeans", "DBSCAN" (set Eps, MinPoints) or "Agglomerative"
    k      -- clusters for k-means and agglomerative clustering
    Other arguments as embed_features. Port 0 carries the Cluster array, port 1
    the per-cluster table (silhouette_score(filter)), port 2 the clustered rows
    (cluster_assignments(filter)).
    """
    props = _feature_properties(model_file, layer, arrays, label, granularity)
    props.update(Method=method, K=k)
    props.update(properties)
    return _register(_sm.filters.ClusterFeatures(Input=input, **props), "ClusterFeatures")


def confusion_matrix(input, label="Label", prediction="Prediction", class_names=None, **properties):
    """Confusion matrix of `label` against `prediction` arrays; returns the ConfusionMatrix filter.

    Classes are reordered so that confused classes sit together; fetch the
    counts with confusion(filter). Port 1 is a heat-map image.
    """
    f = _sm.filters.ConfusionMatrix(Input=input, LabelArray=label, PredictionArray=prediction,
                                    ClassNames=list(class_names or []), **properties)
    return _register(f, "ConfusionMatrix")


def anomaly_map(input, error_array="ReconstructionError", model_file="", quantile=0.99, **properties):
    """Mark anomalies where the reconstruction error exceeds a quantile; returns the AnomalyMap filter.

    error_array -- the error array (e.g. ApplyNetwork's ReconstructionError)
    model_file  -- or an autoencoder whose reconstruction error is computed
    quantile    -- of all errors (over every rank), the threshold
    """
    f = _sm.filters.AnomalyMap(Input=input, ErrorArray=error_array, ModelFile=model_file, Quantile=quantile,
                               **properties)
    return _register(f, "AnomalyMap")


def _columns(dataset_attributes):
    from vtkmodules.util.numpy_support import vtk_to_numpy

    result = {}
    for i in range(dataset_attributes.GetNumberOfArrays()):
        array = dataset_attributes.GetArray(i)
        if array is not None and array.GetName():
            result[array.GetName()] = vtk_to_numpy(array).copy()
    return result


def embedding(embed_filter):
    """The embedding as a dict: "points" (n x 3 numpy array) and every point array by name."""
    import numpy

    embed_filter.UpdatePipeline()
    output = _sm.Fetch(embed_filter)
    result = _columns(output.GetPointData())
    result["points"] = numpy.array([output.GetPoint(i) for i in range(output.GetNumberOfPoints())]).reshape(-1, 3)
    return result


def cluster_assignments(cluster_filter):
    """The clustered rows (GlobalIds, SampleIndex, PointIndex, Cluster, ...) as a dict of numpy arrays."""
    cluster_filter.UpdatePipeline()
    return _columns(_sm.Fetch(cluster_filter, idx=2).GetRowData())


def silhouette_score(cluster_filter):
    """The mean silhouette coefficient of a ClusterFeatures result (NaN when undefined)."""
    cluster_filter.UpdatePipeline()
    return _sm.Fetch(cluster_filter, idx=1).GetFieldData().GetArray("SilhouetteScore").GetValue(0)


def confusion(confusion_filter):
    """(class names in the displayed order, class ids in that order, K x K numpy count matrix in that order)."""
    import numpy

    confusion_filter.UpdatePipeline()
    table = _sm.Fetch(confusion_filter, idx=0)
    names = [table.GetColumnByName("Class").GetValue(r) for r in range(table.GetNumberOfRows())]
    ids = [table.GetColumnByName("ClassId").GetValue(r) for r in range(table.GetNumberOfRows())]
    matrix = numpy.array([[table.GetColumn(2 + c).GetValue(r) for c in range(len(names))]
                          for r in range(len(names))])
    return names, ids, matrix


def anomaly_threshold(anomaly_filter):
    """The error threshold an AnomalyMap chose."""
    anomaly_filter.UpdatePipeline()
    return _sm.Fetch(anomaly_filter, idx=1).GetFieldData().GetArray("AnomalyThreshold").GetValue(0)
