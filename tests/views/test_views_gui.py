"""GUI test (paraview --script under Xvfb, see tests/pipeline/run_gui_test.sh): the
embedding view and the feature-map view in the ParaView GUI.

- a rubber band in the embedding view selects pixels in the field's view, and the
  reverse; the selected ids are asserted (embedding_checks), then both views are
  compared with baseline images;
- a click (mouse press and release through the view's interactor, as Qt delivers
  it) on a tile of the feature-map view colours the field's view by that channel;
  the grid and the recoloured field are compared with baselines.
- what the toolbar buttons run is called on the active sources.
The result goes to NEURALVIEW_GUI_RESULT."""

import os
import sys
import traceback

result_file = os.environ["NEURALVIEW_GUI_RESULT"]


def finish(message):
    with open(result_file, "w") as f:
        f.write(message + "\n")


try:
    sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
    sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "views"))
    import numpy
    import nvtest
    from nvtest import check
    from paraview import selection
    from paraview.simple import *  # noqa: F401,F403

    nvtest.load_plugin(globals())
    import neuralview
    from neuralview import views

    import embedding_checks
    import feature_map_checks

    folder = os.path.dirname(result_file)
    shots = {}

    def shoot(name, view, size, tolerance):
        path = os.path.join(folder, name)
        SaveScreenshot(path, view, ImageResolution=size)
        shots[name] = nvtest.compare_with_baseline(path, name, tolerance)

    # Embedding view: the linked-selection checks, then a field rubber band to look at.
    blobs, embedding, shown, field_view, expected = embedding_checks.run(views)
    link = shown.link
    rect = embedding_checks.display_rectangle(field_view, 4.5, 6.5, 14.5, 16.5)
    selection.SelectPointsThrough(Rectangle=rect, View=field_view)
    i, j = numpy.meshgrid(numpy.arange(5, 15), numpy.arange(7, 17))
    pixels = numpy.sort((i + embedding_checks.DIMS[0] * j).ravel())
    check(numpy.array_equal(link.selected_field_ids(), pixels), "GUI field rubber band: %s" % link.selected_field_ids())
    check(numpy.array_equal(link.selected_embedding_ids(), embedding_checks.PIXELS + pixels),
          "GUI field selection reached embedding ids %s" % link.selected_embedding_ids())
    # The 5.11 GUI had shown the embedding in the field's view as well by now (not done by
    # these scripts); hide it there so the picture shows the field alone.
    Hide(embedding, field_view)
    # Points and thin highlights: a moved point changes few pixels, so the tolerance is tight.
    shoot("views_embedding.png", shown.view, [400, 300], 0.003)
    shoot("views_embedding_field.png", field_view, [300, 300], 0.003)

    # Feature-map view: checks, then a click on tile 4 through the interactor.
    series, activations, maps_field_view, display, maps = feature_map_checks.run(neuralview, views)
    interactor = maps.view.GetInteractor()
    check(interactor is not None, "the feature-map view has no interactor in the GUI")
    x, y = feature_map_checks.tile_display_center(maps, 4)
    interactor.SetEventPosition(x, y)
    interactor.InvokeEvent("LeftButtonPressEvent")
    interactor.SetEventPosition(x, y)
    interactor.InvokeEvent("LeftButtonReleaseEvent")
    check(maps.chosen == 4 and feature_map_checks.colored_by(display) == "relu1_4",
          "clicking tile 4 coloured the field by %s" % feature_map_checks.colored_by(display))
    shoot("views_feature_maps.png", maps.view, [400, 400], 0.005)
    shoot("views_feature_maps_field.png", maps_field_view, [300, 300], 0.005)

    # What the toolbar's buttons run (plugin/qt/pqNeuralViewActions.cxx) on the active source.
    SetActiveSource(embedding)
    from_toolbar = views.show_embedding_for_active_source()
    check(from_toolbar.link is not None and from_toolbar.link.field.GetGlobalID() == blobs.GetGlobalID(),
          "Embedding View on the active embedding did not link it to its field")
    SetActiveSource(activations)
    SetActiveView(maps_field_view)
    tiles = views.show_feature_maps_for_active_source()
    check(tiles.channels == maps.channels, "Feature Maps on the active activations: %s" % tiles.channels)
    finish("PASSED " + " ".join("%s=%.4f" % kv for kv in shots.items()))
except Exception:
    finish("FAILED\n" + traceback.format_exc())
