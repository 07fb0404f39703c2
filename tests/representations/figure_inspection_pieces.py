"""The README figure of NetworkActivations on a split field (not a ctest test).

    mpirun -np 3 pvbatch --symmetric figure_inspection_pieces.py MODEL.onnx OUT_DIR
    /usr/bin/python3 figure_inspection_pieces.py --plot OUT_DIR docs/images/inspection_pieces.png

The first step writes each rank's piece of layer relu2 (channel 0..31 with
the largest spread), its extent and the extent of the input it received
(piece plus ghost layers); the second draws them with matplotlib.
"""

import os
import sys

if sys.argv[1] != "--plot":
    import numpy
    from mpi4py import MPI
    from paraview.simple import *  # noqa: F401,F403

    sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
    import nvtest

    nvtest.load_plugin(globals())
    import neuralview

    rank = MPI.COMM_WORLD.Get_rank()
    model, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    field = GaussianBlobs(Dimensions=[61, 47, 1], Seed=29, NumberOfBlobs=4)
    proxy = neuralview.activations(field, model, layer="relu2")
    proxy.UpdatePipeline()
    piece = proxy.GetClientSideObject().GetOutputDataObject(0)
    received = field.GetClientSideObject().GetOutputDataObject(0)
    e = piece.GetExtent()
    shape = (e[3] - e[2] + 1, e[1] - e[0] + 1)
    maps = numpy.stack([nvtest.point_array(piece, "relu2_%d" % c).reshape(shape) for c in range(32)])
    numpy.savez(os.path.join(out, "rank%d.npz" % rank), maps=maps, extent=numpy.array(e),
                received=numpy.array(received.GetExtent()), input=nvtest.point_array(piece, "Intensity").reshape(shape))
else:
    import glob

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy
    from matplotlib.patches import Rectangle

    out, image = sys.argv[2], sys.argv[3]
    ranks = [numpy.load(f) for f in sorted(glob.glob(os.path.join(out, "rank*.npz")))]
    spread = sum(r["maps"].reshape(32, -1).std(axis=1) for r in ranks)
    channel = int(numpy.argmax(spread))
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4))
    colours = ["tab:red", "tab:blue", "tab:green", "tab:orange"]
    for ax, what in zip(axes, ("input", "maps")):
        for r in ranks:
            e = r["extent"]
            values = r["input"] if what == "input" else r["maps"][channel]
            ax.imshow(values, origin="lower", extent=(e[0] - 0.5, e[1] + 0.5, e[2] - 0.5, e[3] + 0.5),
                      cmap="viridis" if what == "maps" else "gray", vmin=0 if what == "maps" else None)
        for k, r in enumerate(ranks):
            e, g = r["extent"], r["received"]
            ax.add_patch(Rectangle((e[0] - 0.5, e[2] - 0.5), e[1] - e[0] + 1, e[3] - e[2] + 1, fill=False,
                                   edgecolor=colours[k % 4], linewidth=2, label="rank %d piece" % k))
            ax.add_patch(Rectangle((g[0] - 0.5, g[2] - 0.5), g[1] - g[0] + 1, g[3] - g[2] + 1, fill=False,
                                   edgecolor=colours[k % 4], linewidth=1, linestyle="--"))
        ax.set_xlim(-1, 61)
        ax.set_ylim(-1, 47)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_title("input pieces (solid) and what each rank\nreceived with ghost layers (dashed)", fontsize=9)
    axes[1].set_title("relu2 channel %d at input resolution,\ncomputed per rank (equals the 1-rank result)" % channel,
                      fontsize=9)
    axes[0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(image, dpi=90)
