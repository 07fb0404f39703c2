"""Linked representation views: the embedding view and the feature-map view.

Embedding view: a render view in 2-D mode that shows an embedding point cloud
(the output of EmbedFeatures, whose point coordinates are the embedding)
coloured by any carried array. ParaView's own selection tools work in it:
rubber band (*Select Points On*, key ``s``) and lasso (*Select Points With
Polygon*). ``link_embedding`` keeps the selection of the embedding and the
selection of the field it came from in step:

- embedding -> field: the selected points of the current time step
  (``SampleIndex``) become the field points with the same structured index
  (``PointIndex``); a selected per-sample point (``PointIndex`` = -1)
  selects its whole field;
- field -> embedding: the selected field points of the current time step
  select the embedding points that came from them.

Why not ParaView's selection links: a selection link copies the selection as
it is (ids or global ids of one dataset) to another dataset, but an embedding
point and the pixel it came from have different ids. The link here
translates through the ``SampleIndex``/``PointIndex`` arrays instead. Why a
render view and not the point chart view: the point chart view of 5.11 draws
each series in one colour, it cannot colour points by an array.

Only the selected points travel to the client (extracted on the server), so
the link works in client-server sessions with the data on many ranks.

Feature-map view: a render view with one tile per channel of a layer
(arrays ``<layer>_<c>`` from NetworkActivations), each coloured by its own
channel at the current time step (the middle z slice of a volume). Selecting a tile (any selection tool, or a
click with *Interactive Select Points*) colours the field's render view by that
channel.
"""

import re

from paraview import servermanager as _sm
from paraview import simple as _simple

_SELECTION_CHANGED = 79  # vtkCommand::SelectionChangedEvent
_POINT = 0  # vtkDataObject::POINT, the ElementType of a point selection query

# Links and feature-map views live as long as the session unless removed:
# their observers must outlive the caller's local variables.
_live = []


def _proxy(p):
    """The server-manager proxy of a paraview.simple proxy (or of itself)."""
    return p.SMProxy if hasattr(p, "SMProxy") else p


def _time_steps(proxy):
    """Time steps of `proxy`'s output: its TimestepValues, else those of the nearest proxy
    upstream that has them (filters such as ApplyNetwork pass time steps through but have
    no TimestepValues property)."""
    pending = [_proxy(proxy)]
    while pending:
        current = pending.pop(0)
        values = current.GetProperty("TimestepValues")
        if values is not None:
            return [values.GetElement(i) for i in range(values.GetNumberOfElements())]
        inputs = current.GetProperty("Input")
        if inputs is not None:
            pending.extend(inputs.GetProxy(i) for i in range(inputs.GetNumberOfProxies()))
    return []


def _current_time_index(field):
    """Index of the animation time among the field's time steps (0 without time steps)."""
    field.UpdatePipelineInformation()
    steps = _time_steps(field)
    if not steps:
        return 0
    now = _simple.GetTimeKeeper().Time
    return min(range(len(steps)), key=lambda i: abs(steps[i] - now))


def _field_grid(field):
    """(first point, spacing, dimensions) of an image field from its data information.

    The spacing is (upper bound - lower bound) / (points - 1) per axis; the
    point locations computed from it are the image's own when the extent starts
    at 0 and the spacing is exact in binary (1, 0.5, ...), which location
    selections need (they match points exactly).
    """
    info = field.GetDataInformation().DataInformation
    extent = info.GetExtent()
    bounds = info.GetBounds()
    dims = [extent[2 * a + 1] - extent[2 * a] + 1 for a in range(3)]
    if extent[1] < extent[0] or min(dims) < 1:
        raise ValueError("the field linked to an embedding must be image data (it has no structured extent)")
    spacing = [(bounds[2 * a + 1] - bounds[2 * a]) / (dims[a] - 1) if dims[a] > 1 else 1.0 for a in range(3)]
    return [bounds[0], bounds[2], bounds[4]], spacing, dims


def _fetch_selected(source, arrays):
    """Point arrays (name -> numpy array) and points of the selected points of `source`.

    The extraction runs on the server; only the selected points, with only
    `arrays`, are gathered to the client. Returns None when nothing is selected.
    """
    import numpy
    from vtkmodules.util.numpy_support import vtk_to_numpy

    selection = _proxy(source).GetSelectionInput(0)
    if selection is None:
        return None
    extract = _sm.filters.ExtractSelection(Input=source, Selection=_sm._getPyProxy(selection))
    reduced = _sm.filters.PassArrays(Input=extract, PointDataArrays=list(arrays), CellDataArrays=[])
    try:
        # One fetch per rank: in 5.11 a plain Fetch of this unstructured grid from a
        # multi-rank server returned rank 0's points only.
        ranks = _sm.ActiveConnection.GetNumberOfDataPartitions() if _sm.ActiveConnection else 1
        pieces = [_sm.Fetch(reduced, rank) if ranks > 1 else _sm.Fetch(reduced) for rank in range(ranks)]
        result = {}
        for name in arrays:
            parts = [piece.GetPointData().GetArray(name) for piece in pieces if piece.GetNumberOfPoints() > 0]
            result[name] = numpy.concatenate([vtk_to_numpy(a) for a in parts]) if parts and all(
                a is not None for a in parts) else (numpy.zeros(0) if not parts else None)
        parts = [vtk_to_numpy(piece.GetPoints().GetData()) for piece in pieces if piece.GetNumberOfPoints() > 0]
        result["points"] = numpy.concatenate(parts) if parts else numpy.zeros((0, 3))
        return result
    finally:
        _simple.Delete(reduced)
        _simple.Delete(extract)


def _new_selection_source(name, **properties):
    pxm = _sm.ProxyManager()
    proxy = pxm.SMProxyManager.NewProxy("sources", name)
    source = _sm._getPyProxy(proxy)
    proxy.UnRegister(None)
    for key, value in properties.items():
        source.SetPropertyWithName(key, value)
    source.UpdateVTKObjects()
    return source


def _set_selection(target, selection_source):
    """Replace the selection of `target`'s first output port (None clears it).

    Wrapped in an AppendSelections proxy, as ParaView's own selection tools do:
    the 5.11 GUI (Find Data panel, selection manager) expects one as a port's
    selection input and crashed on a bare selection source.
    """
    if selection_source is None:
        _proxy(target).SetSelectionInput(0, None, 0)
        return
    from paraview.modules.vtkRemotingViews import vtkSMSelectionHelper

    append = vtkSMSelectionHelper.NewAppendSelectionsFromSelectionSource(_proxy(selection_source))
    _proxy(target).SetSelectionInput(0, append, 0)
    append.UnRegister(None)


def _new_view():
    """A render view placed in the active layout: in the GUI a view outside every layout
    is never shown, and selections that read rendered pixels find nothing in it."""
    view = _simple.CreateView("RenderView")
    _simple.AssignViewToLayout(view)
    return view


def _render_all():
    for view in _simple.GetViews():
        _simple.Render(view)


class EmbeddingLink:
    """Keeps the selections of an embedding point cloud and of its image field in step.

    Create it with ``link_embedding``; ``remove()`` ends it. ``selected_field_ids()``
    and ``selected_embedding_ids()`` report what is linked (for scripts and tests).
    """

    def __init__(self, embedding, field):
        self.embedding = embedding
        self.field = field
        self._busy = False
        self._last_origin = None
        self._observers = [
            (_proxy(embedding), _proxy(embedding).AddObserver(_SELECTION_CHANGED, self._on_embedding_selection)),
            (_proxy(field), _proxy(field).AddObserver(_SELECTION_CHANGED, self._on_field_selection)),
        ]
        keeper = _proxy(_simple.GetTimeKeeper())
        self._observers.append((keeper, keeper.AddObserver("PropertyModifiedEvent", self._on_time)))

    def remove(self):
        for proxy, tag in self._observers:
            proxy.RemoveObserver(tag)
        self._observers = []
        if self in _live:
            _live.remove(self)

    # -- translation -------------------------------------------------------------------
    def _on_embedding_selection(self, caller=None, event=None):
        if self._busy:
            return
        self._busy = True
        try:
            self._last_origin = "embedding"
            self._embedding_to_field()
        finally:
            self._busy = False

    def _on_field_selection(self, caller=None, event=None):
        if self._busy:
            return
        self._busy = True
        try:
            self._last_origin = "field"
            self._field_to_embedding()
        finally:
            self._busy = False

    def _on_time(self, caller, event):
        # A new time step shows other pixels of the same embedding selection.
        if self._last_origin == "embedding" and not self._busy:
            self._on_embedding_selection()

    def _embedding_to_field(self):
        import numpy

        selected = _fetch_selected(self.embedding, ["SampleIndex", "PointIndex"])
        if selected is None or selected["SampleIndex"] is None:
            _set_selection(self.field, None)
            _render_all()
            return
        now = selected["SampleIndex"] == _current_time_index(self.field)
        point_index = selected["PointIndex"][now]
        origin, spacing, dims = _field_grid(self.field)
        if numpy.any(point_index < 0):
            # A per-sample embedding point stands for its whole field.
            _set_selection(self.field, _new_selection_source(
                "SelectionQuerySource", ElementType=_POINT, QueryString="id >= 0"))
        elif point_index.size == 0:
            _set_selection(self.field, None)
        else:
            ijk = numpy.stack([point_index % dims[0], (point_index // dims[0]) % dims[1],
                               point_index // (dims[0] * dims[1])], axis=1)
            locations = numpy.asarray(origin) + ijk * numpy.asarray(spacing)
            _set_selection(self.field, _new_selection_source(
                "LocationSelectionSource", FieldType="POINT", Locations=locations.ravel().tolist()))
        _render_all()

    def _field_to_embedding(self):
        import numpy

        selected = _fetch_selected(self.field, [])
        if selected is None or selected["points"] is None or len(selected["points"]) == 0:
            _set_selection(self.embedding, None)
            _render_all()
            return
        origin, spacing, dims = _field_grid(self.field)
        ijk = numpy.rint((selected["points"] - numpy.asarray(origin)) / numpy.asarray(spacing)).astype(numpy.int64)
        point_index = numpy.unique(ijk[:, 0] + dims[0] * (ijk[:, 1] + dims[1] * ijk[:, 2]))
        time_index = _current_time_index(self.field)
        # Pixels select the points embedded from them; per-sample points (PointIndex -1)
        # are selected as soon as any pixel of their field is.
        query = "(SampleIndex == %d) & (np.isin(PointIndex, [%s]) | (PointIndex < 0))" % (
            time_index, ",".join(str(int(p)) for p in point_index))
        _set_selection(self.embedding, _new_selection_source(
            "SelectionQuerySource", ElementType=_POINT, QueryString=query))
        _render_all()

    # -- reporting ------------------------------------------------------------------------
    def selected_embedding_ids(self):
        """GlobalIds of the selected embedding points (sorted numpy array; empty when none)."""
        import numpy

        selected = _fetch_selected(self.embedding, ["GlobalIds"])
        if selected is None or selected["GlobalIds"] is None:
            return numpy.zeros(0, dtype=numpy.int64)
        return numpy.unique(selected["GlobalIds"]).astype(numpy.int64)

    def selected_field_ids(self):
        """Structured point indices of the selected field points (sorted; empty when none)."""
        import numpy

        selected = _fetch_selected(self.field, [])
        if selected is None or selected["points"] is None:
            return numpy.zeros(0, dtype=numpy.int64)
        origin, spacing, dims = _field_grid(self.field)
        ijk = numpy.rint((selected["points"] - numpy.asarray(origin)) / numpy.asarray(spacing)).astype(numpy.int64)
        return numpy.unique(ijk[:, 0] + dims[0] * (ijk[:, 1] + dims[1] * ijk[:, 2]))


def link_embedding(embedding, field):
    """Link the selections of `embedding` (EmbedFeatures output) and of `field` (the image
    data it was computed from). Returns an EmbeddingLink; it stays active until remove()."""
    for name in ("SampleIndex", "PointIndex"):
        if embedding.PointData.GetArray(name) is None:
            raise ValueError("the embedding has no point array %r (is it the output of EmbedFeatures?)" % name)
    _field_grid(field)  # fails early with a clear message when the field is not image data
    link = EmbeddingLink(embedding, field)
    _live.append(link)
    return link


class EmbeddingView:
    """What show_embedding opened: the render view, the embedding's display in it, and the
    selection link to the field (None without a field)."""

    def __init__(self, view, display, link):
        self.view, self.display, self.link = view, display, link


def show_embedding(embedding, field=None, color_by="Label", view=None, point_size=4.0):
    """Open the embedding view: `embedding` as 2-D points coloured by `color_by`.

    embedding  -- EmbedFeatures output (or any point cloud with its arrays)
    field      -- the image data the embedding came from; when given, selections are linked
                  (see link_embedding)
    color_by   -- any point array of the embedding (Label, Prediction, Error, SampleIndex, ...)
    view       -- a render view to use; a new one otherwise
    Returns an EmbeddingView (view, display, link).
    """
    embedding.UpdatePipeline(_simple.GetTimeKeeper().Time)
    if color_by and embedding.PointData.GetArray(color_by) is None:
        raise ValueError("the embedding has no point array %r; it has %s" % (
            color_by, ", ".join(embedding.PointData.keys())))
    if view is None:
        view = _new_view()
    view.InteractionMode = "2D"
    view.OrientationAxesVisibility = 0
    display = _simple.Show(embedding, view)
    display.SetRepresentationType("Points")
    display.PointSize = point_size
    display.RenderPointsAsSpheres = 1
    if color_by:
        _simple.ColorBy(display, ("POINTS", color_by))
        display.RescaleTransferFunctionToDataRange(True, False)
        display.SetScalarBarVisibility(view, True)
    view.ResetCamera()
    view.CameraPosition = [view.CameraFocalPoint[0], view.CameraFocalPoint[1], view.CameraFocalPoint[2] + 10.0]
    view.CameraViewUp = [0.0, 1.0, 0.0]
    view.ResetCamera()
    link = link_embedding(embedding, field) if field is not None else None
    return EmbeddingView(view, display, link)


# --------------------------------------------------------------------------------------------
# Feature-map view


def layers_of(source):
    """{layer name: [channel array names in channel order]} from point arrays named <layer>_<c>."""
    pattern = re.compile(r"^(.+)_(\d+)$")
    layers = {}
    for name in source.PointData.keys():
        match = pattern.match(name)
        if match:
            layers.setdefault(match.group(1), []).append((int(match.group(2)), name))
    return {layer: [name for _, name in sorted(channels)] for layer, channels in layers.items()}


class FeatureMapView:
    """A grid of the channels of one layer, one tile per channel, in its own render view.

    ``view`` is the render view; ``channels`` the array names in tile order (row by row,
    from the top left); ``target`` the display that a chosen tile colours. Choose a tile
    with a click in the view (no drag), with any selection tool, or from a script with
    ``choose(index)`` or ``channel_at(x, y)``.
    """

    def __init__(self, source, layer, channels, view, target, tiles, offsets, tile_size):
        self.source, self.layer, self.channels = source, layer, channels
        self.view, self.target, self.tiles = view, target, tiles
        self.offsets, self.tile_size = offsets, tile_size
        self.chosen = None
        self._busy = False
        self._observers = []
        for index, tile in enumerate(tiles):
            callback = (lambda i: lambda caller, event: self._on_tile_selection(i))(index)
            self._observers.append((_proxy(tile), _proxy(tile).AddObserver(_SELECTION_CHANGED, callback)))
        self._press = None
        interactor = _interactor(view)
        if interactor is not None:
            self._observers.append((interactor, interactor.AddObserver("LeftButtonPressEvent", self._on_press)))
            self._observers.append((interactor, interactor.AddObserver("LeftButtonReleaseEvent", self._on_release)))

    def remove(self):
        for obj, tag in self._observers:
            obj.RemoveObserver(tag)
        self._observers = []
        if self in _live:
            _live.remove(self)

    def channel_at(self, x, y):
        """Index of the tile under world point (x, y) of the view, or None between tiles."""
        for index, (ox, oy) in enumerate(self.offsets):
            if ox <= x - self._origin[0] <= ox + self.tile_size[0] and oy <= y - self._origin[1] <= oy + self.tile_size[1]:
                return index
        return None

    def choose(self, index):
        """Colour the target display by channel `index` (the click on a tile)."""
        name = self.channels[index]
        _simple.ColorBy(self.target, ("POINTS", name))
        self.target.RescaleTransferFunctionToDataRange(False, True)
        self.chosen = index
        _render_all()
        return name

    def _on_tile_selection(self, index):
        if self._busy or _proxy(self.tiles[index]).GetSelectionInput(0) is None:
            return
        self._busy = True
        try:
            self.choose(index)
            # The selection only said which tile: clear it so the tile stays readable.
            _set_selection(self.tiles[index], None)
        finally:
            self._busy = False

    def _on_press(self, interactor, event):
        self._press = interactor.GetEventPosition()

    def _on_release(self, interactor, event):
        position = interactor.GetEventPosition()
        if self._press is None or max(abs(position[0] - self._press[0]), abs(position[1] - self._press[1])) > 3:
            return  # a drag pans the view, it does not choose
        renderer = self.view.GetRenderer()
        renderer.SetDisplayPoint(position[0], position[1], 0.0)
        renderer.DisplayToWorld()
        world = renderer.GetWorldPoint()
        w = world[3] if world[3] else 1.0
        index = self.channel_at(world[0] / w, world[1] / w)
        if index is not None:
            self.choose(index)


def _interactor(view):
    """The client-side interactor of a render view (None where there is none, e.g. pvbatch)."""
    try:
        return _proxy(view).GetInteractor()
    except AttributeError:
        return None


def show_feature_maps(source, layer=None, target=None, view=None, max_tile_size=96, gap=0.08):
    """Open the feature-map view: one tile per channel of `layer` for the current time step.

    source        -- NetworkActivations output (point arrays <layer>_<c>)
    layer         -- which layer; None: the only (or first) one
    target        -- the render view whose display of `source` a chosen tile colours
                     (the active render view if None; `source` is shown there if it is not)
    view          -- a render view for the tiles; a new one otherwise
    max_tile_size -- tiles larger than this many points per side are resampled on the server
                     (ResampleToImage), so a large field reaches the client reduced
    gap           -- space between tiles, as a fraction of the tile size
    Returns a FeatureMapView.
    """
    import math

    source.UpdatePipeline(_simple.GetTimeKeeper().Time)
    layers = layers_of(source)
    if not layers:
        raise ValueError("%s has no point arrays named <layer>_<channel>; apply NetworkActivations first" %
                         source.GetXMLLabel())
    if layer is None:
        layer = sorted(layers)[0]
    if layer not in layers:
        raise ValueError("no layer %r; layers: %s" % (layer, ", ".join(sorted(layers))))
    channels = layers[layer]
    info = source.GetDataInformation().DataInformation
    extent = info.GetExtent()
    if extent[1] < extent[0]:
        raise ValueError("feature maps need image data; %s is %s" % (source.GetXMLLabel(), info.GetDataSetTypeAsString()))
    bounds = info.GetBounds()
    dims = [extent[2 * a + 1] - extent[2 * a] + 1 for a in range(3)]

    target_view = target or _simple.GetActiveViewOrCreate("RenderView")
    target_display = _simple.GetDisplayProperties(source, target_view)
    target_display.Visibility = 1

    reduced = source
    if dims[2] > 1:
        # A volume: its middle z slice, cut on the server.
        middle = extent[4] + dims[2] // 2
        reduced = _sm.filters.ExtractSubset(Input=source, VOI=[extent[0], extent[1], extent[2], extent[3], middle, middle])
        dims[2] = 1
    if max(dims[0], dims[1]) > max_tile_size:
        scale = float(max_tile_size) / max(dims[0], dims[1])
        reduced = _sm.filters.ResampleToImage(Input=reduced, UseInputBounds=1, SamplingDimensions=[
            max(2, int(dims[0] * scale)), max(2, int(dims[1] * scale)), 1])
    if view is None:
        view = _new_view()
    view.InteractionMode = "2D"
    view.OrientationAxesVisibility = 0
    columns = int(math.ceil(math.sqrt(len(channels))))
    size = (bounds[1] - bounds[0], bounds[3] - bounds[2])
    step = (size[0] * (1.0 + gap), size[1] * (1.0 + gap))
    tiles, offsets = [], []
    for index, name in enumerate(channels):
        tile = _sm.filters.PassArrays(Input=reduced, PointDataArrays=[name], CellDataArrays=[])
        _sm.ProxyManager().RegisterProxy("sources", "FeatureMap_%s" % name, tile)
        display = _simple.Show(tile, view)
        # Surface, not Slice: the Slice representation cannot be picked by selections.
        display.SetRepresentationType("Surface")
        _simple.ColorBy(display, ("POINTS", name))
        display.RescaleTransferFunctionToDataRange(False, True)
        display.SetScalarBarVisibility(view, False)
        offset = ((index % columns) * step[0], -(index // columns) * step[1])
        display.Position = [offset[0], offset[1], 0.0]
        tiles.append(tile)
        offsets.append(offset)
    view.ResetCamera()
    rows = int(math.ceil(len(channels) / float(columns)))
    center = (bounds[0] + (columns * step[0] - gap * size[0]) / 2.0,
              bounds[2] + size[1] - (rows * step[1] - gap * size[1]) / 2.0)
    view.CameraParallelProjection = 1
    view.CameraFocalPoint = [center[0], center[1], 0.0]
    view.CameraPosition = [center[0], center[1], bounds[5] + 10.0 * max(size)]
    view.CameraViewUp = [0.0, 1.0, 0.0]
    view.CameraParallelScale = 0.55 * max(rows * step[1], columns * step[0] * 0.75)
    _simple.Render(view)
    maps = FeatureMapView(source, layer, channels, view, target_display, tiles, offsets, size)
    maps._origin = (bounds[0], bounds[2])
    _live.append(maps)
    return maps


# --------------------------------------------------------------------------------------------
# Entry points of the GUI toolbar (plugin/qt/pqNeuralViewActions.cxx)


def _image_upstream(proxy):
    """The nearest proxy upstream of `proxy` (itself excluded) whose output is image data."""
    seen = set()
    pending = [proxy]
    while pending:
        current = pending.pop(0)
        inputs = _proxy(current).GetProperty("Input")
        if inputs is None:
            continue
        for index in range(inputs.GetNumberOfProxies()):
            upstream = _sm._getPyProxy(inputs.GetProxy(index))
            if upstream is None or upstream.GetGlobalID() in seen:
                continue
            seen.add(upstream.GetGlobalID())
            extent = upstream.GetDataInformation().DataInformation.GetExtent()
            if extent[1] >= extent[0]:
                return upstream
            pending.append(upstream)
    return None


def show_embedding_for_active_source():
    """The toolbar's *Embedding View*: the active source is the embedding; its field is the
    nearest image data upstream, shown in the active render view if it is not yet."""
    embedding = _simple.GetActiveSource()
    if embedding is None:
        raise ValueError("select an Embed Features output in the Pipeline Browser first")
    field = _image_upstream(embedding)
    if field is not None:
        field_view = _simple.GetActiveViewOrCreate("RenderView")
        _simple.Show(field, field_view)
    return show_embedding(embedding, field, color_by="Label" if embedding.PointData.GetArray("Label") else None)


def show_feature_maps_for_active_source():
    """The toolbar's *Feature Maps*: tiles of the first layer of the active source; tiles
    colour its display in the active render view."""
    source = _simple.GetActiveSource()
    if source is None:
        raise ValueError("select a Network Activations output in the Pipeline Browser first")
    return show_feature_maps(source, target=_simple.GetActiveViewOrCreate("RenderView"))
