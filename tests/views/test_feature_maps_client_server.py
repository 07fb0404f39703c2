"""Client-server: the feature-map view with the field and its activations split over two
pvserver ranks (run by tests/pipeline/run_client_server.sh). The checks are the ones of
the one-process test (feature_map_checks.run): tiles equal their channels, a click on a
tile colours the field's view, and bad input gets a clear error; here the tiles are cut
on the server ranks and only what is rendered or fetched reaches the client."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nvtest  # noqa: E402
from nvtest import check  # noqa: E402
from paraview.simple import *  # noqa: E402,F401,F403

ranks = nvtest.connect_to_test_server(globals(), ranks=2)  # plugin on the client and the server
import neuralview  # noqa: E402
from neuralview import views  # noqa: E402

import feature_map_checks  # noqa: E402

series, activations, field_view, display, maps = feature_map_checks.run(neuralview, views)

# The activations really are split: each rank computed its own piece of the layer.
counts = [servermanager.Fetch(activations, rank).GetNumberOfPoints() for rank in range(ranks)]
check(all(0 < c for c in counts), "the activations are not split over the ranks: %s" % counts)
for c in (0, 15):
    pieces = [servermanager.Fetch(maps.tiles[c], rank).GetNumberOfPoints() for rank in range(ranks)]
    check(pieces == counts, "tile %d pieces %s differ from the field's %s" % (c, pieces, counts))
print("feature-map view, client-server: PASSED")
