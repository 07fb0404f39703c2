"""The two linked views of issue 9 on a small blob-segmentation network.

    xvfb-run -a -s "-screen 0 1280x1024x24" pvbatch examples/representation_views.py OUTPUT_DIR

1. Embedding view: every pixel of three time steps embedded by the network's
   bottleneck features (EmbedFeatures, PCA), coloured by the true label; a
   rubber band around the blob pixels in the embedding highlights the
   matching pixels of the field: representations_view_embedding.png.
2. Feature-map view: the 16 channels of the first ReLU layer
   (NetworkActivations) as tiles; choosing tile 5 colours the field by that
   channel: representations_view_feature_maps.png.
"""

import os
import sys
import tempfile

import numpy
from paraview.simple import *  # noqa: F401,F403

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import neuralview_plugin  # noqa: E402

out_dir = sys.argv[1] if len(sys.argv) > 1 else "output"
os.makedirs(out_dir, exist_ok=True)
neuralview_plugin.load(globals())
import neuralview  # noqa: E402
from neuralview import views  # noqa: E402

model = os.path.join(tempfile.mkdtemp(prefix="nv-views-"), "blobs.onnx")
series = GaussianBlobs(Dimensions=[32, 32, 1], NumberOfTimeSteps=8, Seed=10, NumberOfBlobs=3, BlobRadius=0.12)
neuralview.train(series, ["Intensity"], "BlobLabel", "segmentation", model, 6, Architecture="segnet-small",
                 BatchSize=4, Seed=3, LearningRate=0.003)
scene = GetAnimationScene()
scene.UpdateAnimationUsingDataTimeSteps()
scene.AnimationTime = 2.0

# 1. Embedding view linked to the field.
layout = CreateLayout("embedding")
field_view = CreateView("RenderView")
AssignViewToLayout(field_view, layout, 0)
field_view.OrientationAxesVisibility = 0
field_display = Show(series, field_view)
ColorBy(field_display, ("POINTS", "Intensity"))
field_view.InteractionMode = "2D"
field_view.ResetCamera()
embedding = neuralview.embed_features(series, model_file=model, label="BlobLabel", granularity="PerPixel",
                                      method="PCA", MaxPoints=3000)
layout.SplitHorizontal(0, 0.5)
embedding_view = CreateView("RenderView")
AssignViewToLayout(embedding_view, layout, 2)
shown = views.show_embedding(embedding, series, color_by="Label", view=embedding_view, point_size=3.0)
layout.SetSize(800, 400)
Render(embedding_view)
data = servermanager.Fetch(embedding)
from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: E402
xy = vtk_to_numpy(data.GetPoints().GetData())[:, :2]
label = vtk_to_numpy(data.GetPointData().GetArray("Label"))
# A rubber band around the blob (label 1) points, from their coordinates.
lo, hi = numpy.percentile(xy[label == 1], [5, 95], axis=0)
renderer = embedding_view.GetRenderer()
corners = []
for x, y in ((lo[0], lo[1]), (hi[0], hi[1])):
    renderer.SetWorldPoint(x, y, 0.0, 1.0)
    renderer.WorldToDisplay()
    corners += list(renderer.GetDisplayPoint()[:2])
from paraview import selection  # noqa: E402
selection.SelectPointsThrough(Rectangle=[int(min(corners[0], corners[2])), int(min(corners[1], corners[3])),
                                         int(max(corners[0], corners[2])), int(max(corners[1], corners[3]))],
                              View=embedding_view)
print("selected %d embedding points, %d pixels at time 2" % (len(shown.link.selected_embedding_ids()),
                                                             len(shown.link.selected_field_ids())))
SaveScreenshot(os.path.join(out_dir, "representations_view_embedding.png"), layout, ImageResolution=[800, 400])

# 2. Feature-map view.
layout2 = CreateLayout("feature maps")
activations = neuralview.activations(series, model, layer="relu1", resolution="input")
maps_field_view = CreateView("RenderView")
AssignViewToLayout(maps_field_view, layout2, 0)
maps_field_view.OrientationAxesVisibility = 0
Show(activations, maps_field_view)
maps_field_view.InteractionMode = "2D"
maps_field_view.ResetCamera()
layout2.SplitHorizontal(0, 0.5)
maps_view = CreateView("RenderView")
AssignViewToLayout(maps_view, layout2, 2)
maps = views.show_feature_maps(activations, "relu1", target=maps_field_view, view=maps_view)
maps.choose(5)
layout2.SetSize(800, 400)
SaveScreenshot(os.path.join(out_dir, "representations_view_feature_maps.png"), layout2, ImageResolution=[800, 400])
print("feature maps: %d tiles; field coloured by %s" % (len(maps.channels), maps.channels[maps.chosen]))
