"""GUI test: a NeuralView session built by clicking, ending with both buttons of the
NeuralView toolbar (plugin/qt/pqNeuralViewActions.cxx).

ParaView runs this file with --script (it loads the plugin and defines the steps),
then plays test_toolbar_gui.xml with --test-script: QtTesting clicks *Sources /
Filters -> Neural Networks -> ...*, the Properties panel's *Apply* and the toolbar's
*Embedding View* and *Feature Maps* buttons (by object name), and between clicks
types `t.step("...")` into the Python shell, which runs the steps below: set the
properties of the proxy the menu just created, then check what *Apply* or the
button made. Order: Gaussian Blobs -> Train Network -> Apply Network ->
Network Activations -> Network Attribution -> Embed Features -> Cluster Features
(on the embedding) -> Confusion Matrix -> Anomaly Map -> Embedding View -> Feature Maps.

The result goes to NEURALVIEW_GUI_RESULT (see tests/pipeline/run_gui_test.sh); it
reads PASSED only once every step ran, in order, without error.
"""

import os
import sys
import tempfile
import time
import traceback

started = time.time()

result_file = os.environ["NEURALVIEW_GUI_RESULT"]
sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
import numpy  # noqa: E402
import nvtest  # noqa: E402
from nvtest import check  # noqa: E402
from paraview import selection  # noqa: E402
from paraview.simple import *  # noqa: E402,F401,F403

nvtest.load_plugin(globals())
from neuralview import views  # noqa: E402

DIMS = (20, 20)
STEPS = 6
CLASSES = ["background", "blob"]
EMBEDDED = 300  # MaxPoints of Embed Features: fewer than the 6 x 400 pixels
CLUSTERS = 2
model = os.path.join(tempfile.mkdtemp(prefix="nv-toolbar-gui-"), "toolbar.onnx")
made = {}  # proxies by step name
ran = []
shots = {}
timings = []


def finish(message):
    with open(result_file, "w") as f:
        f.write(message + "\n")


def created(xml_name):
    """The proxy the menu just created: the active source, of the expected type."""
    source = GetActiveSource()
    check(source is not None and source.GetXMLName() == xml_name,
          "the menu did not create a %s (active source: %s)" % (xml_name, source and source.GetXMLName()))
    return source


def applied(name):
    """The output of a proxy after the Apply button: shown in a view by the GUI, not updated by this script."""
    source = made[name]
    shown = [v for v in GetViews() if visible(source, v)]
    check(shown, "Apply did not show %s in any view (views: %s; active: %s)" % (name, [
        (v.GetXMLName(), [r.Input.GetXMLName() for r in v.Representations if hasattr(r, "Input") and r.Visibility])
        for v in GetViews()], GetActiveView().GetXMLName()))
    return servermanager.Fetch(source)


def visible(source, view):
    # Looked up, not paraview.simple's GetRepresentation: that would create a hidden one.
    return any(getattr(r, "Input", None) is not None and r.Input.GetGlobalID() == source.GetGlobalID()
               and r.Visibility for r in view.Representations)


def point(data, name):
    return nvtest.point_array(data, name)


# -- Sources -> Neural Networks -> Gaussian Blobs ------------------------------------------
def blobs_configure():
    made["blobs"] = created("GaussianBlobs")
    made["blobs"].Dimensions = [DIMS[0], DIMS[1], 1]
    made["blobs"].NumberOfTimeSteps = STEPS
    made["blobs"].Seed = 4
    made["blobs"].NumberOfBlobs = 2
    made["blobs"].BlobRadius = 0.15


def blobs_check():
    out = applied("blobs")
    check(out.GetDimensions() == (DIMS[0], DIMS[1], 1), "blobs have dimensions %s" % (out.GetDimensions(),))
    check(set(numpy.unique(point(out, "BlobLabel"))) == {0, 1}, "BlobLabel is not background and blob")
    made["field_view"] = GetActiveView()


# -- Filters -> Neural Networks -> Train Network -----------------------------------------
def train_configure():
    made["train"] = created("TrainNetwork")
    train = made["train"]
    train.InputArrays = ["Intensity"]
    train.LabelArray = "BlobLabel"
    train.Architecture = "segnet-small"
    train.Epochs = 3
    train.BatchSize = 4
    train.Seed = 3
    train.LearningRate = 0.003
    train.ClassNames = CLASSES
    train.ModelFile = model


def train_check():
    history = applied("train")
    check(history.GetNumberOfRows() == 3, "the loss history has %d rows, expected one per epoch (3)"
          % history.GetNumberOfRows())
    losses = [history.GetColumnByName("TrainLoss").GetValue(r) for r in range(3)]
    check(all(numpy.isfinite(losses)) and losses[-1] < losses[0], "training loss did not fall: %s" % losses)
    check(os.path.getsize(model) > 0, "Train Network wrote no model file")


def select(name):
    # What a user does: click the field's render view (Train Network's loss chart took the
    # focus), then the source in the Pipeline Browser.
    SetActiveView(made["field_view"])
    SetActiveSource(made[name])


def select_blobs():
    select("blobs")


# -- Filters -> Neural Networks -> Apply Network -----------------------------------------
def apply_configure():
    made["apply"] = created("ApplyNetwork")
    made["apply"].ModelFile = model


def apply_check():
    out = applied("apply")
    prediction = point(out, "Prediction")
    check(prediction.size == DIMS[0] * DIMS[1], "Prediction has %d values" % prediction.size)
    check(set(numpy.unique(prediction)) <= set(range(len(CLASSES))), "Prediction labels %s outside {0, 1}"
          % numpy.unique(prediction))
    probabilities = numpy.stack([point(out, "Probability_" + c) for c in CLASSES])
    check(((probabilities >= 0) & (probabilities <= 1)).all(), "probabilities outside [0, 1]")
    # softmax in float32: the sum is 1 up to a few float32 roundings
    nvtest.check_close(probabilities.sum(axis=0), numpy.ones(prediction.size), 1e-5, "class probabilities sum")
    check((numpy.argmax(probabilities, axis=0) == prediction).all(), "Prediction is not the most probable class")
    made["apply_output"] = out


# -- Filters -> Neural Networks -> Network Activations -----------------------------------
# The class scores (layer logits, one channel per class): few tiles keep the Feature Maps
# step short, and softmax of the scores must be Apply Network's probabilities.
def activations_configure():
    made["activations"] = created("NetworkActivations")
    made["activations"].ModelFile = model
    made["activations"].Layer = "logits"
    made["activations"].Resolution = "Input"


def activations_check():
    out = applied("activations")
    channels = views.layers_of(made["activations"]).get("logits", [])
    check(channels == ["logits_%d" % c for c in range(len(CLASSES))], "logits channels %s" % channels)
    scores = numpy.stack([point(out, name) for name in channels]).astype(numpy.float64)
    softmax = numpy.exp(scores - scores.max(axis=0))
    softmax /= softmax.sum(axis=0)
    # Same model, same field (time step 0): float32 softmax vs float64 from float32 scores.
    probabilities = numpy.stack([point(made["apply_output"], "Probability_" + c) for c in CLASSES])
    nvtest.check_close(softmax, probabilities, 1e-5, "softmax of the logits vs Apply Network's probabilities")
    # Feature Maps colours the view the activations are shown in: remember it.
    made["activations_view"] = GetActiveView()
    check(visible(made["activations"], made["activations_view"]),
          "the activations are not shown in the active view")


# -- Filters -> Neural Networks -> Network Attribution -----------------------------------
def attribution_configure():
    made["attribution"] = created("NetworkAttribution")
    made["attribution"].ModelFile = model
    made["attribution"].Method = "GradCAM"
    made["attribution"].TargetClass = 1


def attribution_check():
    out = applied("attribution")
    cam = point(out, "Attribution")
    # Grad-CAM is a ReLU of a weighted sum of activations: non-negative, and not zero
    # everywhere on a field with blobs for the blob class.
    check(cam.size == DIMS[0] * DIMS[1] and numpy.isfinite(cam).all(), "Attribution is not a finite field")
    check((cam >= 0).all() and cam.max() > 0, "Grad-CAM range [%g, %g]" % (cam.min(), cam.max()))


def select_apply():
    select("apply")


# -- Filters -> Neural Networks -> Embed Features (on the prediction) ---------------------
def embed_configure():
    made["embed"] = created("EmbedFeatures")
    embed = made["embed"]
    embed.ModelFile = model
    embed.Granularity = "PerPixel"
    embed.LabelArray = "BlobLabel"
    embed.MaxPoints = EMBEDDED
    embed.Method = "PCA"
    embed.Seed = 2


def embed_check():
    out = applied("embed")
    check(out.GetNumberOfPoints() == EMBEDDED, "the embedding has %d points, expected MaxPoints %d"
          % (out.GetNumberOfPoints(), EMBEDDED))
    xyz = numpy.array([out.GetPoint(i) for i in range(out.GetNumberOfPoints())])
    check(numpy.isfinite(xyz).all() and (xyz[:, 2] == 0).all(), "a 2-D embedding has z = 0 and finite x, y")
    check(set(numpy.unique(point(out, "Label"))) <= {0, 1}, "Label outside the blob labels")
    check(set(numpy.unique(point(out, "Prediction"))) <= {0, 1}, "Prediction outside the classes")
    sample = point(out, "SampleIndex")
    pixel = point(out, "PointIndex")
    check(((sample >= 0) & (sample < STEPS)).all() and ((pixel >= 0) & (pixel < DIMS[0] * DIMS[1])).all(),
          "SampleIndex / PointIndex outside the series")


# -- Filters -> Neural Networks -> Cluster Features (on the embedding) -------------------
def cluster_configure():
    made["cluster"] = created("ClusterFeatures")
    made["cluster"].Method = "KMeans"
    made["cluster"].K = CLUSTERS
    made["cluster"].Seed = 1


def cluster_check():
    out = applied("cluster")
    clusters = point(out, "Cluster")
    check(clusters.size == EMBEDDED, "%d clustered points, expected the %d embedded" % (clusters.size, EMBEDDED))
    check(set(numpy.unique(clusters)) == set(range(CLUSTERS)), "Cluster labels %s, expected 0..%d"
          % (numpy.unique(clusters), CLUSTERS - 1))


# -- Filters -> Neural Networks -> Confusion Matrix (on the prediction) -------------------
def confusion_configure():
    made["confusion"] = created("ConfusionMatrix")
    made["confusion"].LabelArray = "BlobLabel"
    made["confusion"].PredictionArray = "Prediction"
    made["confusion"].ClassNames = CLASSES


def confusion_check():
    table = applied("confusion")
    out = made["apply_output"]  # the same time step (0): the animation time has not moved
    truth, predicted = point(out, "BlobLabel").astype(int), point(out, "Prediction").astype(int)
    names = [table.GetColumnByName("Class").GetValue(r) for r in range(table.GetNumberOfRows())]
    ids = [table.GetColumnByName("ClassId").GetValue(r) for r in range(table.GetNumberOfRows())]
    check(sorted(names) == sorted(CLASSES), "confusion classes %s" % names)
    for r, true_id in enumerate(ids):
        for c, predicted_id in enumerate(ids):
            expected = int(((truth == true_id) & (predicted == predicted_id)).sum())
            got = table.GetColumn(2 + c).GetValue(r)
            check(got == expected, "confusion count (%d, %d) is %s, numpy counts %d" % (true_id, predicted_id, got,
                                                                                       expected))


# -- Filters -> Neural Networks -> Anomaly Map (on the field) ----------------------------
# An autoencoder's error is covered by the pvpython and client-server tests; here the
# menu, Apply and the quantile rule are checked on a known array, the blob intensity.
def anomaly_configure():
    made["anomaly"] = created("AnomalyMap")
    made["anomaly"].ErrorArray = "Intensity"
    made["anomaly"].Quantile = 0.9


def anomaly_check():
    out = applied("anomaly")
    intensity = point(out, "Intensity").astype(numpy.float64)
    threshold = out.GetFieldData().GetArray("AnomalyThreshold").GetValue(0)
    # The same quantile rule as numpy's (linear interpolation) on the same float32 values.
    nvtest.check_close(threshold, numpy.quantile(intensity, 0.9), 1e-6 * abs(intensity).max(), "anomaly threshold")
    check((point(out, "Anomaly") == (intensity > threshold)).all(), "Anomaly is not error > threshold")


def select_embed():
    select("embed")


# -- toolbar: Embedding View ---------------------------------------------------------------
def embedding_view_check():
    embed = made["embed"]
    links = [x for x in views._live if isinstance(x, views.EmbeddingLink)
             and x.embedding.GetGlobalID() == embed.GetGlobalID()]
    check(len(links) == 1, "Embedding View made %d links for the active embedding" % len(links))
    link = links[0]
    # The field is the nearest image data upstream: the Apply Network output.
    check(link.field.GetGlobalID() == made["apply"].GetGlobalID(), "the embedding is linked to another field")
    shown = [v for v in GetViews() if v.GetXMLName() == "RenderView" and v.InteractionMode == "2D"
             and visible(embed, v) and servermanager.GetRepresentation(embed, v).Representation == "Points"]
    check(len(shown) == 1, "Embedding View opened %d 2-D point views of the embedding" % len(shown))
    view = shown[0]
    check(servermanager.GetRepresentation(embed, view).ColorArrayName[1] == "Label", "the embedding is not coloured by Label")
    # The link works: at time step 3 (the user moved the time slider), a rubber band over
    # the whole view selects every embedded point, and the field then has the pixels
    # embedded from time step 3 selected.
    GetAnimationScene().AnimationTime = GetTimeKeeper().TimestepValues[3]
    Render(view)
    width, height = view.ViewSize
    selection.SelectPointsThrough(Rectangle=[0, 0, width - 1, height - 1], View=view)
    out = servermanager.Fetch(embed)
    check(len(link.selected_embedding_ids()) == EMBEDDED, "the rubber band selected %d of %d points"
          % (len(link.selected_embedding_ids()), EMBEDDED))
    now = point(out, "SampleIndex") == 3
    expected = numpy.unique(point(out, "PointIndex")[now])
    check(numpy.array_equal(link.selected_field_ids(), expected), "field pixels %s, expected %s"
          % (link.selected_field_ids(), expected))
    ClearSelection(embed)
    made["embedding_view"] = view


# -- toolbar: Feature Maps -------------------------------------------------------------------
def select_activations():
    SetActiveSource(made["activations"])
    SetActiveView(made["activations_view"])


def feature_maps_check():
    maps = [x for x in views._live if isinstance(x, views.FeatureMapView)
            and x.source.GetGlobalID() == made["activations"].GetGlobalID()]
    check(len(maps) == 1, "Feature Maps made %d views of the active activations" % len(maps))
    maps = maps[0]
    channels = views.layers_of(made["activations"])["logits"]
    check(maps.channels == channels, "tiles %s, expected the channels %s" % (maps.channels, channels))
    field = servermanager.Fetch(made["activations"])
    for c in range(len(channels)):
        tile = servermanager.Fetch(maps.tiles[c])
        nvtest.check_close(point(tile, channels[c]), point(field, channels[c]), 0.0, "tile %d vs its channel" % c)
    # A tile colours the display of the activations in the view they were shown in.
    maps.choose(1)
    display = servermanager.GetRepresentation(made["activations"], made["activations_view"])
    check(display.ColorArrayName[1] == channels[1], "choosing tile 1 coloured by %s" % display.ColorArrayName[1])


def screenshot():
    view = made["embedding_view"]
    view.ViewSize = [400, 300]  # its share of the GUI's split layout is smaller
    path = os.path.join(os.path.dirname(result_file), "toolbar_embedding.png")
    SaveScreenshot(path, view, ImageResolution=[400, 300])
    # Points of 4 pixels: a point moved by the model or PCA changes few pixels, so the tolerance is tight.
    shots["toolbar_embedding.png"] = nvtest.compare_with_baseline(path, "toolbar_embedding.png", 0.003)


ORDER = [blobs_configure, blobs_check, train_configure, train_check, select_blobs, apply_configure, apply_check,
         select_blobs, activations_configure, activations_check, select_blobs, attribution_configure,
         attribution_check, select_apply, embed_configure, embed_check, cluster_configure, cluster_check,
         select_apply, confusion_configure, confusion_check, select_blobs, anomaly_configure, anomaly_check,
         select_embed, embedding_view_check, select_activations, feature_maps_check, screenshot]
ALL = {f.__name__: f for f in ORDER}


def step(name):
    """Run one step (called from the Python shell by the XML playback); the first failure is final."""
    if os.path.exists(result_file):
        return
    try:
        ALL[name]()
        ran.append(name)
        timings.append("%s %.1f" % (name, time.time() - started))
        if name == ORDER[-1].__name__:
            check(ran == [f.__name__ for f in ORDER], "steps ran out of order: %s" % ran)
            finish("PASSED " + " ".join("%s=%.4f" % kv for kv in shots.items()) + "\nseconds since the script began: "
                   + ", ".join(timings))
    except Exception:
        finish("FAILED in step %s\n%s" % (name, traceback.format_exc()))
