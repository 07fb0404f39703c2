"""Find and load the NeuralView plugin from pvpython or pvbatch.

    import sys; sys.path.insert(0, "<repository>/python")
    import neuralview_plugin
    neuralview_plugin.load()            # builtin session, or both sides of a client-server one

The plugin is looked up in $NEURALVIEW_PLUGIN, then in each directory of
$PV_PLUGIN_PATH, then in the repository's default build folder.
"""

import glob
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def plugin_path():
    """Absolute path of NeuralView.so; raises FileNotFoundError naming where it looked."""
    candidates = []
    if os.environ.get("NEURALVIEW_PLUGIN"):
        candidates.append(os.environ["NEURALVIEW_PLUGIN"])
    for directory in filter(None, os.environ.get("PV_PLUGIN_PATH", "").split(os.pathsep)):
        candidates += [os.path.join(directory, "NeuralView.so"), os.path.join(directory, "NeuralView", "NeuralView.so")]
    candidates += glob.glob(os.path.join(_HERE, "..", "build", "lib*", "paraview-5.11", "plugins", "NeuralView",
                                         "NeuralView.so"))
    for path in candidates:
        if os.path.isfile(path):
            return os.path.abspath(path)
    raise FileNotFoundError("NeuralView.so not found; looked in: " + ", ".join(candidates or ["(nothing to look in)"]))


def load(namespace=None):
    """Load the plugin on the client and, in a client-server session, on the server.

    namespace -- a dict (usually globals()) to receive the plugin's constructors;
    helpers should rather use paraview.servermanager.filters.<Name>.
    """
    from paraview import simple, servermanager

    path = plugin_path()
    simple.LoadPlugin(path, remote=False, ns=namespace)
    if servermanager.ActiveConnection and servermanager.ActiveConnection.IsRemote():
        simple.LoadPlugin(path, remote=True, ns=namespace)
    return path
