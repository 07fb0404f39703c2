"""The embedding view on the real EmbedFeatures output (PCA of two arrays per pixel
over every time step): a rubber band in the embedding view reaches the field.

The oracle is geometric: which embedding points lie inside the rubber band is
decided from their coordinates (fetched from the filter) projected by the view's
own renderer; the link's answers are then compared with the GlobalIds and
PointIndex of exactly those points."""

import numpy
from paraview import selection, servermanager, simple

import nvtest
from embedding_checks import world_to_display
from nvtest import check


def run(neuralview, views, time_index=2):
    series = servermanager.sources.GaussianBlobs(Dimensions=[16, 16, 1], NumberOfTimeSteps=3, Seed=7, NumberOfBlobs=2)
    servermanager.ParaViewPipelineController().RegisterPipelineProxy(series, "series_for_embedding")
    embedding = neuralview.embed_features(series, arrays=["Intensity", "Temperature"], label="BlobLabel",
                                          granularity="PerPixel", method="PCA")
    scene = simple.GetAnimationScene()
    scene.UpdateAnimationUsingDataTimeSteps()
    scene.AnimationTime = float(time_index)
    shown = views.show_embedding(embedding, series, color_by="Label")
    shown.view.ViewSize = [400, 300]
    simple.Render(shown.view)

    data = servermanager.Fetch(embedding)
    points = numpy.array([data.GetPoint(i) for i in range(data.GetNumberOfPoints())])
    samples = nvtest.point_array(data, "SampleIndex")
    check(sorted(set(samples.tolist())) == [0, 1, 2] and len(points) == 3 * 256,
          "EmbedFeatures PerPixel gave %d points over samples %s" % (len(points), sorted(set(samples.tolist()))))
    pixel = numpy.array([world_to_display(shown.view, p[0], p[1]) for p in points])
    # A rubber band over the middle half of the points' display x range, all y.
    lo, hi = numpy.percentile(pixel[:, 0], [25, 75])
    rect = [int(numpy.floor(lo)) + 0.5, 0, int(numpy.floor(hi)) + 0.5, shown.view.ViewSize[1]]
    rect = [int(v) for v in rect]
    inside = (pixel[:, 0] >= rect[0]) & (pixel[:, 0] <= rect[2])
    # No point sits on an edge to within 0.05 pixel, where rounding could decide either way.
    check(numpy.all(numpy.abs(pixel[:, 0] - rect[0]) > 0.05) and numpy.all(numpy.abs(pixel[:, 0] - rect[2]) > 0.05),
          "a point lies on the rubber band's edge")
    selection.SelectPointsThrough(Rectangle=rect, View=shown.view)
    link = shown.link
    expected_ids = numpy.unique(nvtest.point_array(data, "GlobalIds")[inside])
    check(numpy.array_equal(link.selected_embedding_ids(), expected_ids),
          "rubber band selected %d embedding points, %d lie inside it" % (len(link.selected_embedding_ids()),
                                                                          len(expected_ids)))
    now = inside & (samples == time_index)
    expected_pixels = numpy.unique(nvtest.point_array(data, "PointIndex")[now])
    check(len(expected_pixels) > 0, "no point of the current time step inside the rubber band")
    check(numpy.array_equal(link.selected_field_ids(), expected_pixels),
          "field shows %d pixels, expected %d" % (len(link.selected_field_ids()), len(expected_pixels)))
    return series, embedding, shown
