"""Client-server: the embedding view's selection link with the field and the embedding on
two pvserver ranks (run by tests/pipeline/run_client_server.sh). Only selected points
are fetched to the client."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nvtest  # noqa: E402
from nvtest import check  # noqa: E402
from paraview.simple import *  # noqa: E402,F401,F403

ranks = nvtest.connect_to_test_server(globals(), ranks=2)  # plugin on the client and the server
from neuralview import views  # noqa: E402

import embedding_checks  # noqa: E402

blobs, embedding, shown, field_view, expected = embedding_checks.run(views, quick=True)

# The data really is split: each rank holds part of the field (and so of the embedding built from it).
counts = [servermanager.Fetch(blobs, rank).GetNumberOfPoints() for rank in range(ranks)]
check(all(0 < c for c in counts), "the field is not split over the ranks: %s" % counts)
print("embedding link, client-server: PASSED")
