"""pvpython (under Xvfb): the feature-map view, its tiles, choosing a tile, and a
large field reduced on the server before it reaches the client."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nvtest  # noqa: E402
from nvtest import check  # noqa: E402
from paraview.simple import *  # noqa: E402,F401,F403

nvtest.load_plugin(globals())
import neuralview  # noqa: E402
from neuralview import views  # noqa: E402

import feature_map_checks  # noqa: E402

series, activations, field_view, display, maps = feature_map_checks.run(neuralview, views)

# Tiles follow the animation time: the rendered grid changes from time 1 to time 3.
def grid_pixels(path):
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkIOImage import vtkPNGReader

    SaveScreenshot(path, maps.view, ImageResolution=[400, 400])
    reader = vtkPNGReader()
    reader.SetFileName(path)
    reader.Update()
    return vtk_to_numpy(reader.GetOutput().GetPointData().GetScalars())[:, :3].astype(int)


folder = tempfile.mkdtemp(prefix="nv-featuremaps-shots-")
at_1 = grid_pixels(os.path.join(folder, "t1.png"))
GetAnimationScene().AnimationTime = 3.0
at_3 = grid_pixels(os.path.join(folder, "t3.png"))
changed = float((abs(at_1 - at_3).max(axis=1) > 24).mean())
# Blobs move between independent time steps: well over 5 % of the grid's pixels change colour.
check(changed > 0.05, "the feature maps changed in only %.1f %% of pixels from time 1 to time 3" % (100 * changed))

# A field above max_tile_size is resampled on the server: 12 x 12 tiles from the 24 x 24 field.
small = views.show_feature_maps(activations, "relu1", target=field_view, max_tile_size=12)
tile = servermanager.Fetch(small.tiles[0])
check(tile.GetNumberOfPoints() <= 12 * 12, "reduced tile has %d points" % tile.GetNumberOfPoints())
print("feature maps: PASSED")
