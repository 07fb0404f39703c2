"""pvpython (under Xvfb): the embedding view's selection link in both directions."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nvtest  # noqa: E402
from paraview.simple import *  # noqa: E402,F401,F403

nvtest.load_plugin(globals())
from neuralview import views  # noqa: E402

import embedding_checks  # noqa: E402

embedding_checks.run(views)
print("embedding link: PASSED")

# The same view on the real EmbedFeatures output.
import neuralview  # noqa: E402

import real_embedding_checks  # noqa: E402

real_embedding_checks.run(neuralview, views)
print("embedding link on EmbedFeatures: PASSED")
