"""Client-server: a pvpython client drives NormalizeChannels on a 2-rank pvserver.

The plugin is loaded on both sides. The data is produced on the server ranks
and gathered to the client, where it is checked against numpy.
"""

import os

import numpy
import nvtest
from nvtest import check, check_close
from paraview.simple import *  # noqa: F401,F403

ranks = nvtest.connect_to_test_server(globals(), ranks=2)  # plugin on the client and the server

blobs = GaussianBlobs(Dimensions=[50, 30, 1], Seed=5)
norm = NormalizeChannels(Input=blobs, InputArrays=["Temperature", "Intensity"])
pids = ProcessIdScalars(Input=norm)
pids.UpdatePipeline()

# Each rank's piece, fetched separately (PassThrough = rank).
pieces = [servermanager.Fetch(pids, rank) for rank in range(ranks)]
for rank, piece in enumerate(pieces):
    ids = numpy.unique(nvtest.point_array(piece, "ProcessId"))
    check(list(ids) == [rank], "piece %d carries process ids %s" % (rank, ids))
    check(0 < piece.GetNumberOfPoints() < 50 * 30, "piece %d has %d points" % (rank, piece.GetNumberOfPoints()))
check(sum(p.GetNumberOfPoints() for p in pieces) == pids.GetDataInformation().GetNumberOfPoints(),
      "fetched pieces do not add up to the server's data")

# Points on the boundary between pieces appear twice; statistics are over each
# rank's points, so the oracle uses exactly the fetched points.
columns = [numpy.concatenate([nvtest.point_array(p, n) for p in pieces]) for n in ("Temperature", "Intensity")]
expected, mean, std = nvtest.expected_normalization(columns)
normalized = numpy.concatenate([nvtest.point_array(p, "NormalizedChannels") for p in pieces])
check_close(normalized, expected, 1e-5, "NormalizedChannels of both ranks vs numpy")

table = servermanager.Fetch(norm, idx=1)
check(table.GetNumberOfRows() == 2, "statistics table has %d rows" % table.GetNumberOfRows())
check(table.GetColumnByName("Channel").GetValue(0) == "Temperature", "channel order lost")
check_close([table.GetColumnByName("Mean").GetValue(r) for r in range(2)], mean, 1e-9 * 300, "table means")

# Rendering in a client-server session works with the plugin's output.
view = CreateRenderView()
display = Show(norm, view)
ColorBy(display, ("POINTS", "NormalizedChannels", "Temperature"))
Render(view)
print("client-server NormalizeChannels: OK")
Disconnect()
