"""Checks of the embedding view's linked selection, shared by the pvpython and the
client-server tests (the same script, the data on one process or on two pvserver ranks).

Expected ids come from how the test data are built (views_data: island s of the
embedding holds sample s; GlobalIds = s * pixels + PointIndex) and from the
camera (a world rectangle mapped to display pixels), never from the link itself.
"""

import numpy
from paraview import selection
from paraview import servermanager, simple

import views_data
from nvtest import check

DIMS = (24, 24)
PIXELS = DIMS[0] * DIMS[1]


def world_to_display(view, x, y):
    """Display pixel of world point (x, y, 0) in `view`, from its client-side renderer, so
    it holds whatever size the GUI's layout gave the view."""
    renderer = view.GetRenderer()
    renderer.SetWorldPoint(x, y, 0.0, 1.0)
    renderer.WorldToDisplay()
    point = renderer.GetDisplayPoint()
    return point[0], point[1]


def display_rectangle(view, x0, y0, x1, y1):
    """Display-pixel rectangle of a world rectangle in a view looking down -z."""
    simple.Render(view)
    (a, b), (c, d) = world_to_display(view, x0, y0), world_to_display(view, x1, y1)
    return [int(round(a)), int(round(b)), int(round(c)), int(round(d))]


def top_down(view, center, scale):
    view.CameraParallelProjection = 1
    view.CameraFocalPoint = [center[0], center[1], 0.0]
    view.CameraPosition = [center[0], center[1], 50.0]
    view.CameraViewUp = [0.0, 1.0, 0.0]
    view.CameraParallelScale = scale
    simple.Render(view)


def build(views):
    """Field, embedding, the embedding view (400x300) and a field view (300x300), at time 1."""
    blobs = servermanager.sources.GaussianBlobs(Dimensions=[DIMS[0], DIMS[1], 1], NumberOfTimeSteps=3, Seed=5, NumberOfBlobs=3)
    # Registered through the controller, as the GUI does, so the time keeper knows its time steps.
    servermanager.ParaViewPipelineController().RegisterPipelineProxy(blobs, "blobs")
    embedding = views_data.feature_embedding(blobs)
    scene = simple.GetAnimationScene()
    scene.UpdateAnimationUsingDataTimeSteps()
    scene.AnimationTime = 1.0
    shown = views.show_embedding(embedding, blobs, color_by="Label")
    shown.view.ViewSize = [400, 300]
    # Islands (one per time step) span x in [2 s - 0.1, 2 s + 1.05], y in [0, 0.96].
    top_down(shown.view, (2.5, 0.5), 1.5)
    field_view = simple.CreateView("RenderView")
    simple.AssignViewToLayout(field_view)  # in the GUI only views in a layout are drawn
    field_view.ViewSize = [300, 300]
    field_view.OrientationAxesVisibility = 0
    simple.Show(blobs, field_view)
    simple.Hide(embedding, field_view)  # the GUI shows visible sources in a new view
    shown.display.SetScalarBarVisibility(shown.view, False)  # it would cover island 2
    top_down(field_view, (11.5, 11.5), 12.5)
    return blobs, embedding, shown, field_view


def run(views, quick=False):
    """All checks; `quick` keeps the selection round trip only (steps 1, 2 and 4), for the
    client-server test, where every fetch is a network round trip per rank."""
    blobs, embedding, shown, field_view = build(views)
    link = shown.link
    empty = numpy.zeros(0, dtype=numpy.int64)

    # 1. Ids selected in the embedding: only those of the current sample (1) reach the field.
    selection.SelectGlobalIDs(IDs=[PIXELS + 5, PIXELS + 7, 3, 2 * PIXELS + 9], Source=embedding)
    check(list(link.selected_field_ids()) == [5, 7], "ids 5, 7 of sample 1 gave field %s" % link.selected_field_ids())

    # 2. A rubber band (frustum: every point inside, occluded or not) around island 1 in the embedding view.
    rect = display_rectangle(shown.view, 1.5, -0.5, 3.5, 1.5)
    selection.SelectPointsThrough(Rectangle=rect, View=shown.view)
    selected = link.selected_embedding_ids()
    check(numpy.array_equal(selected, numpy.arange(PIXELS, 2 * PIXELS)),
          "rubber band around island 1 selected %d embedding points (%s...), expected sample 1's %d" %
          (len(selected), selected[:5], PIXELS))
    check(numpy.array_equal(link.selected_field_ids(), numpy.arange(PIXELS)), "sample 1 did not select every pixel")

    # 3. Another time step shows that sample's pixels: none of island 1.
    if not quick:
        scene = simple.GetAnimationScene()
        scene.AnimationTime = 2.0
        check(numpy.array_equal(link.selected_field_ids(), empty), "at time 2 the field still shows a selection")
        scene.AnimationTime = 1.0
        check(len(link.selected_field_ids()) == PIXELS, "back at time 1 the field selection is not restored")

    # 4. Field -> embedding: a rubber band over pixels i in [3, 10], j in [5, 12] of the field view.
    rect = display_rectangle(field_view, 2.5, 4.5, 10.5, 12.5)
    selection.SelectPointsThrough(Rectangle=rect, View=field_view)
    i, j = numpy.meshgrid(numpy.arange(3, 11), numpy.arange(5, 13))
    expected = numpy.sort((i + DIMS[0] * j).ravel())
    field_ids = link.selected_field_ids()
    check(numpy.array_equal(field_ids, expected), "field rubber band selected %s, expected %s" % (field_ids, expected))
    check(numpy.array_equal(link.selected_embedding_ids(), PIXELS + expected),
          "field selection reached embedding ids %s" % link.selected_embedding_ids())

    if quick:
        return blobs, embedding, shown, field_view, expected

    # 5. Clearing the field clears the embedding.
    selection.ClearSelection(blobs)
    check(len(link.selected_embedding_ids()) == 0, "clearing the field left the embedding selected")

    # 6. Bad input: clear errors.
    for call, words in ((lambda: views.show_embedding(embedding, color_by="NoSuchArray"), "NoSuchArray"),
                        (lambda: views.link_embedding(blobs, blobs), "SampleIndex")):
        try:
            call()
            raise AssertionError("no error for bad input (%s)" % words)
        except ValueError as error:
            check(words in str(error), "unclear error: %s" % error)
    return blobs, embedding, shown, field_view, expected
