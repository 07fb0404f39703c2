"""Checks of the feature-map view, shared by the pvpython and GUI tests: a small
segmentation network is trained in the test (seeded), NetworkActivations puts a
layer's channels on the field, and the view shows one tile per channel."""

import os
import tempfile

import numpy
from paraview import servermanager, simple

import nvtest
from nvtest import check

LAYER = "relu1"


def build(neuralview, views, field_view=None):
    """Field series, activations at input resolution, the field's render view coloured
    by Intensity, and the feature-map view of LAYER (time 1)."""
    work = tempfile.mkdtemp(prefix="nv-featuremaps-")
    model = os.path.join(work, "maps.onnx")
    series = servermanager.sources.GaussianBlobs(Dimensions=[24, 24, 1], NumberOfTimeSteps=4, Seed=10,
                                                 NumberOfBlobs=3, BlobRadius=0.12)
    # Registered through the controller, as the GUI does, so the time keeper knows its time steps.
    servermanager.ParaViewPipelineController().RegisterPipelineProxy(series, "series")
    neuralview.train(series, ["Intensity"], "BlobLabel", "segmentation", model, 2, Architecture="segnet-small",
                     BatchSize=4, Seed=3, LearningRate=0.003)
    activations = neuralview.activations(series, model, layer=LAYER, resolution="input")
    scene = simple.GetAnimationScene()
    scene.UpdateAnimationUsingDataTimeSteps()
    scene.AnimationTime = 1.0
    if field_view is None:
        field_view = simple.CreateView("RenderView")
        simple.AssignViewToLayout(field_view)  # in the GUI only views in a layout are drawn
    field_view.ViewSize = [300, 300]
    field_view.OrientationAxesVisibility = 0
    display = simple.Show(activations, field_view)
    simple.ColorBy(display, ("POINTS", "Intensity"))
    field_view.ResetCamera()
    maps = views.show_feature_maps(activations, LAYER, target=field_view)
    maps.view.ViewSize = [400, 400]
    simple.Render(maps.view)
    return series, activations, field_view, display, maps


def tile_display_center(maps, index):
    """Display pixel at the centre of tile `index`."""
    from embedding_checks import world_to_display

    simple.Render(maps.view)
    x = maps._origin[0] + maps.offsets[index][0] + maps.tile_size[0] / 2.0
    y = maps._origin[1] + maps.offsets[index][1] + maps.tile_size[1] / 2.0
    return tuple(int(round(v)) for v in world_to_display(maps.view, x, y))


def colored_by(display):
    return display.ColorArrayName[1]


def run(neuralview, views):
    series, activations, field_view, display, maps = build(neuralview, views)
    # Channels in channel order (relu1_10 after relu1_9), 16 of them, all tiles shown.
    check(maps.channels == ["%s_%d" % (LAYER, c) for c in range(16)], "tiles %s" % maps.channels)

    # Each tile is its channel at the current time step, unchanged (24x24 is below the tile size).
    field = servermanager.Fetch(activations)
    for c in (0, 7, 15):
        tile = servermanager.Fetch(maps.tiles[c])
        nvtest.check_close(nvtest.point_array(tile, maps.channels[c]), nvtest.point_array(field, maps.channels[c]), 0.0,
                           "tile %d vs its channel" % c)
        check(tile.GetPointData().GetNumberOfArrays() == 1, "tile %d carries more than its channel" % c)

    # Choosing through the tile under a world point, and through a selection on a tile.
    x = maps._origin[0] + maps.offsets[6][0] + 3.0
    y = maps._origin[1] + maps.offsets[6][1] + 3.0
    check(maps.channel_at(x, y) == 6, "world point inside tile 6 maps to %s" % maps.channel_at(x, y))
    gap_x = maps._origin[0] + maps.offsets[6][0] + maps.tile_size[0] * 1.04  # gaps are 8 % of a tile
    check(maps.channel_at(gap_x, y) is None, "the gap between tiles maps to a tile")
    from paraview import selection
    cx, cy = tile_display_center(maps, 9)
    selection.SelectSurfacePoints(Rectangle=[cx - 2, cy - 2, cx + 2, cy + 2], View=maps.view)
    check(maps.chosen == 9 and colored_by(display) == "relu1_9",
          "a selection on tile 9 coloured the field by %s (chosen %s)" % (colored_by(display), maps.chosen))
    check(maps.tiles[9].SMProxy.GetSelectionInput(0) is None, "the tile selection was not cleared")

    # Bad input: clear errors.
    for call, words in ((lambda: views.show_feature_maps(series), "NetworkActivations"),
                        (lambda: views.show_feature_maps(activations, "nosuchlayer"), LAYER)):
        try:
            call()
            raise AssertionError("no error for bad input (%s)" % words)
        except ValueError as error:
            check(words in str(error), "unclear error: %s" % error)
    return series, activations, field_view, display, maps
