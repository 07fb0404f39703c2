"""NetworkActivations on a field split over ranks, compared across rank counts.

    mpirun -np P pvbatch --symmetric test_inspection_pieces.py WORK_DIR

A layer whose values depend only on nearby input values is computed by every
rank on its own piece plus a halo of ghost layers as wide as the layer's
reach. With P = 1 the script trains the models and writes the whole-field
results (the reference); with P > 1 every rank compares its own piece with
the matching part of the reference. Cases: a classifier's feature map after
one max-pooling (stride 2) resampled to the input (linear and nearest) and
on its native grid, on a 61 x 47 field (sizes that split unevenly and are not
multiples of the pooling factor), as point and as cell data, the same on a
19 x 17 x 23 volume, the same computed in tiles with TileSize (also on one
rank: each tile has its own halo), and a U-Net decoder layer (stride 1 but
behind a pooling of 2) on a 60 x 46 field. A layer after global pooling (a global
quantity) is still computed whole by the first rank.
"""

import os
import sys

import numpy
from mpi4py import MPI

sys.path.insert(0, os.path.join(os.environ["NEURALVIEW_SOURCE_DIR"], "tests", "pipeline"))
import nvtest  # noqa: E402
from paraview.simple import *  # noqa: F401,F403,E402

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()

check = nvtest.check_on_all_ranks(comm)


nvtest.load_plugin(globals())
import neuralview  # noqa: E402  (embedded in the plugin)

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
DIMENSIONS = [61, 47, 1]

# The piece and the whole field run the same float32 operations on the same
# values; only oneDNN's choice of kernel blocking for another window size
# changes the order of the sums (seen: differences of a few ulps). 1e-5 of the
# layer's largest magnitude is ~100 ulps of float32.
RELATIVE_TOLERANCE = 1e-5


def train(name, architecture, label, task, dimensions, steps):
    """A small model, trained for one epoch on the 1-rank run only (the values
    only matter for equality across rank counts)."""
    path = os.path.join(work, "pieces_%s.onnx" % name)
    if size == 1:
        blobs = GaussianBlobs(Dimensions=dimensions, NumberOfTimeSteps=steps, Seed=11, NumberOfBlobs=2,
                              RandomBlobCount=1, BlobRadius=0.15)
        trainer = neuralview.train(blobs, ["Intensity"], label=label, task=task, model_file=path, epochs=1,
                                   Architecture=architecture, BatchSize=2, ValidationFraction=0.0, Seed=3)
        Delete(trainer)
    comm.Barrier()
    check(os.path.isfile(path), "no model %s: run with 1 rank first" % path)
    return path


def values_of(dataset, name, cells):
    """A point or cell array of `dataset` as a numpy array (fails the test if absent)."""
    from vtkmodules.util.numpy_support import vtk_to_numpy

    array = (dataset.GetCellData() if cells else dataset.GetPointData()).GetArray(name)
    check(array is not None, "output has no %s array %r" % ("cell" if cells else "point", name))
    return vtk_to_numpy(array)


def value_extent(extent, cells):
    """The index box of the values of an image of this extent: points, or cells (one fewer along every axis the image extends in)."""
    if not cells:
        return tuple(extent)
    return tuple(v - (k % 2 == 1 and extent[k] > extent[k - 1]) for k, v in enumerate(extent))


def piece_of(whole, extent, origin):
    """The part of a whole-grid array (x fastest) that an extent covers; `origin` is the whole extent's start."""
    x0, y0, z0 = origin
    return whole[extent[4] - z0:extent[5] - z0 + 1, extent[2] - y0:extent[3] - y0 + 1, extent[0] - x0:extent[1] - x0 + 1]


def run(name, model, layer, resolution, interpolation="linear", dimensions=DIMENSIONS, cells=False, tile_size=0):
    field = GaussianBlobs(Dimensions=dimensions, Seed=29, NumberOfBlobs=4)
    if cells:
        field = PointDatatoCellData(Input=field, PassPointData=0)
    proxy = neuralview.activations(field, model, layer=layer, resolution=resolution, interpolation=interpolation,
                                   TileSize=tile_size)
    catcher = nvtest.ErrorCatcher(proxy.GetClientSideObject())
    proxy.UpdatePipeline()
    check(not catcher.messages, "rank %d %s: errors %s" % (rank, name, catcher.messages))
    output = proxy.GetClientSideObject().GetOutputDataObject(0)
    Delete(proxy)
    return output


def compare(name, model, layer, resolution, interpolation="linear", channels=None, dimensions=DIMENSIONS,
            cells=False, tile_size=0, reference=None):
    """Writes the 1-rank result of case `name` (the reference), or compares this rank's piece with it.
    With `reference`, compares with that case's 1-rank result on every rank count (tiled runs)."""
    output = run(name, model, layer, resolution, interpolation, dimensions, cells, tile_size)
    empty = output.GetNumberOfPoints() == 0
    extent = value_extent(output.GetExtent(), cells)
    nx, ny, nz = (extent[1] - extent[0] + 1, extent[3] - extent[2] + 1, extent[5] - extent[4] + 1)
    reference_file = os.path.join(work, "pieces_%s_np1.npz" % (reference or name))
    writes = size == 1 and reference is None
    data = output.GetCellData() if cells else output.GetPointData()
    if writes:
        names = [data.GetArrayName(i) for i in range(data.GetNumberOfArrays())
                 if data.GetArrayName(i).startswith(layer + "_")]
        check(len(names) == channels, "%s: %d arrays %s, expected %d channels" % (name, len(names), names, channels))
    else:
        names = [n for n in sorted(numpy.load(reference_file).files) if n.startswith(layer + "_")]
    arrays = {} if empty else {n: values_of(output, n, cells).reshape(nz, ny, nx) for n in names}
    if writes:
        numpy.savez(reference_file, extent=numpy.array(extent), origin=numpy.array(output.GetOrigin()),
                    spacing=numpy.array(output.GetSpacing()), **arrays)
        return 0.0
    reference = numpy.load(reference_file)
    whole = reference["extent"]
    start = (whole[0], whole[2], whole[4])
    # Together the pieces cover the whole grid and no more (the halo was
    # cropped): neighbouring point pieces share their boundary plane, cell pieces nothing.
    extents = comm.allgather(None if empty else extent)
    covered = numpy.zeros((whole[5] - whole[4] + 1, whole[3] - whole[2] + 1, whole[1] - whole[0] + 1), dtype=int)
    for e in extents:
        if e is not None:
            check(all(whole[2 * k] <= e[2 * k] and e[2 * k + 1] <= whole[2 * k + 1] for k in range(3)),
                  "%s: piece %s outside the whole extent %s" % (name, e, whole))
            piece_of(covered, e, start)[...] += 1
    check(covered.min() >= 1, "%s: the pieces %s leave values uncovered" % (name, extents))
    pieces = [e for e in extents if e is not None]
    check(len(pieces) == size, "%s: %d of %d ranks hold data (%s)" % (name, len(pieces), size, extents))
    for i, a in enumerate(pieces):
        for b in pieces[i + 1:]:
            widths = [min(a[2 * k + 1], b[2 * k + 1]) - max(a[2 * k], b[2 * k]) + 1 for k in range(3)]
            check(min(widths) <= (0 if cells else 1),
                  "%s: pieces %s and %s overlap by more than a boundary plane" % (name, a, b))
    if empty:
        return 0.0
    # The piece lies on the whole result's grid.
    check(numpy.allclose(output.GetOrigin(), reference["origin"]) and
          numpy.allclose(output.GetSpacing(), reference["spacing"]),
          "%s rank %d: origin %s spacing %s, whole: %s %s" % (name, rank, output.GetOrigin(), output.GetSpacing(),
                                                              reference["origin"], reference["spacing"]))
    scale = max(1.0, max(float(numpy.abs(reference[n]).max()) for n in names))
    worst = max(float(numpy.max(numpy.abs(arrays[n] - piece_of(reference[n], extent, start)))) for n in names)
    check(worst <= RELATIVE_TOLERANCE * scale, "%s rank %d extent %s: activations differ by %.3g (scale %.3g)" %
          (name, rank, extent, worst, scale))
    return worst / scale


here = os.path.join(nvtest.SOURCE_DIR, "tests", "distributed")
classifier = train("classifier", "classifier-small", "BlobCount", "classification", [24, 24, 1], 8)
classifier3d = train("classifier3d", "classifier-small", "BlobCount", "classification", [12, 12, 12], 4)
unet = train("unet", os.path.join(here, "unet_no_bn.json"), "BlobLabel", "segmentation", [16, 16, 1], 2)
worst = max(
    compare("relu2_linear", classifier, "relu2", "input", "linear", channels=32),
    compare("relu2_nearest", classifier, "relu2", "input", "nearest", channels=32),
    compare("maxpool1_native", classifier, "maxpool1", "native", channels=16),
    # Channels as cell data: 60 x 46 cells, native cells on the layer's grid.
    compare("relu2_cells", classifier, "relu2", "input", "linear", channels=32, cells=True),
    compare("maxpool1_cells_native", classifier, "maxpool1", "native", channels=16, cells=True),
    compare("volume_relu2", classifier3d, "relu2", "input", "linear", channels=32, dimensions=[19, 17, 23]),
    compare("volume_native", classifier3d, "maxpool1", "native", channels=16, dimensions=[19, 17, 23]),
    # Tiles (each with its own halo) inside every piece, also on one rank: 3 x 4 tiles of 16 on
    # one rank, uneven last tiles; native tiles of 16 / 2 = 8 layer values.
    compare("relu2_linear_tiled", classifier, "relu2", "input", "linear", tile_size=16, reference="relu2_linear"),
    compare("maxpool1_native_tiled", classifier, "maxpool1", "native", tile_size=16, reference="maxpool1_native"),
    compare("volume_relu2_tiled", classifier3d, "relu2", "input", "linear", dimensions=[19, 17, 23], tile_size=8,
            reference="volume_relu2"),
    # Concatenating a skip connection with the upsampled path needs even sides (also on one rank).
    compare("unet_up", unet, "up", "input", "linear", channels=8, dimensions=[60, 46, 1]))

# After global pooling a value depends on the whole sample: the first rank computes it.
pooled = run("pooled", classifier, "flatten1", "input")
pooled_points = comm.allgather(pooled.GetNumberOfPoints())
check(pooled_points[0] == DIMENSIONS[0] * DIMENSIONS[1] and sum(pooled_points[1:]) == 0,
      "global-pool layer: points per rank %s" % pooled_points)
check(pooled.GetFieldData().GetArray("flatten1") is not None or rank > 0, "global-pool layer: no field data flatten1")

worst = comm.allreduce(worst, op=MPI.MAX)
if rank == 0:
    print("largest relative activation difference from the 1-rank run: %.3g" % worst)
print("rank %d of %d: per-piece NetworkActivations OK" % (rank, size))
