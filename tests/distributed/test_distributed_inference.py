"""Spatially decomposed inference, compared across rank counts.

    mpirun -np P pvbatch --symmetric test_distributed_inference.py WORK_DIR

ApplyNetwork on a field split over P ranks asks for ghost layers as wide as
the network's halo and crops its result back to the rank's piece. With P = 1
the script writes the whole-field result (the reference); with P > 1 every
rank compares its own piece with the matching part of the reference: labels
identical, probabilities within 1e-5. Cases: a 2-D field and a 3-D volume,
both with sizes that split unevenly, and a model with pooling (its windows
must stay on the whole field's grid).
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
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
here = os.path.join(nvtest.SOURCE_DIR, "tests", "distributed")
architecture = os.path.join(here, "unet_no_bn.json")

# Probabilities are computed in the same order on the same values whether the
# window is the whole field or a piece with its halo; what differs is only
# oneDNN's choice of kernel blocking for a different spatial size, which
# changes float summation order: 1e-5 (the bound) is ~100 ulps of a
# probability near 1.
PROBABILITY_TOLERANCE = 1e-5


def model_for(name, dimensions):
    """A model trained for one epoch on the 1-rank run (weights only matter for equality).
    It trains on even sizes; applying it to odd ones is part of the test."""
    dimensions = [d if d == 1 else 16 for d in dimensions]
    path = os.path.join(work, "inference_%s.onnx" % name)
    if size == 1:
        blobs = GaussianBlobs(Dimensions=dimensions, NumberOfTimeSteps=2, Seed=11, NumberOfBlobs=3)
        trainer = TrainNetwork(Input=blobs, InputArrays=["Intensity"], LabelArray="BlobLabel",
                               Architecture=architecture, Epochs=1, BatchSize=2, ValidationFraction=0.0, Seed=3,
                               ModelFile=path)
        catcher = nvtest.ErrorCatcher(trainer.GetClientSideObject())
        trainer.UpdatePipeline()
        check(not catcher.messages, "training errors %s" % catcher.messages)
        Delete(trainer)
    comm.Barrier()
    check(os.path.isfile(path), "no model %s: run with 1 rank first" % path)
    return path


def piece_of(whole, extent):
    """The part of a whole-field array (VTK point order: x fastest) that an extent covers."""
    return whole[extent[4]:extent[5] + 1, extent[2]:extent[3] + 1, extent[0]:extent[1] + 1]


def compare(name, dimensions, tile_size):
    model = model_for(name, dimensions)
    field = GaussianBlobs(Dimensions=dimensions, Seed=29, NumberOfBlobs=4)
    applied = ApplyNetwork(Input=field, ModelFile=model, TileSize=tile_size)
    catcher = nvtest.ErrorCatcher(applied.GetClientSideObject())
    applied.UpdatePipeline()
    check(not catcher.messages, "%s: errors %s" % (name, catcher.messages))
    output = applied.GetClientSideObject().GetOutputDataObject(0)
    extent = output.GetExtent()
    nx, ny, nz = (extent[1] - extent[0] + 1, extent[3] - extent[2] + 1, extent[5] - extent[4] + 1)
    empty = output.GetNumberOfPoints() == 0
    reference_file = os.path.join(work, "inference_%s_np1.npz" % name)
    if size == 1:
        point_data = output.GetPointData()
        names = ["Prediction"] + [point_data.GetArrayName(i) for i in range(point_data.GetNumberOfArrays())
                                  if point_data.GetArrayName(i).startswith("Probability_")]
    else:
        names = sorted(numpy.load(reference_file).files)
    arrays = {} if empty else {n: nvtest.point_array(output, n).reshape(nz, ny, nx) for n in names}
    if size == 1:
        check(len(names) >= 3, "expected Prediction and one Probability array per class, got %s" % names)
        check(tuple(extent) == (0, dimensions[0] - 1, 0, dimensions[1] - 1, 0, dimensions[2] - 1),
              "1 rank should hold the whole field, got extent %s" % (extent,))
        numpy.savez(reference_file, **arrays)
        return 0
    reference = numpy.load(reference_file)
    # Together the pieces cover the whole field (neighbouring pieces of
    # point data share their boundary plane) and no more: ghost layers were cropped.
    extents = comm.allgather(None if empty else tuple(extent))
    covered = numpy.zeros(dimensions[::-1], dtype=int)
    for e in extents:
        if e is not None:
            piece_of(covered, e)[...] += 1
    check(covered.min() >= 1, "%s: the pieces %s leave points uncovered" % (name, extents))
    pieces = [e for e in extents if e is not None]
    for i, a in enumerate(pieces):
        for b in pieces[i + 1:]:
            widths = [min(a[2 * k + 1], b[2 * k + 1]) - max(a[2 * k], b[2 * k]) + 1 for k in range(3)]
            check(min(widths) <= 1, "%s: pieces %s and %s overlap by more than a boundary plane "
                  "(ghost layers not cropped?)" % (name, a, b))
    if name == "tiny" and size >= 3:
        check(comm.allreduce(int(empty)) > 0, "the tiny case should leave a rank without points at %d ranks" % size)
    if empty:
        return 0
    labels = piece_of(reference["Prediction"], extent)
    wrong = int(numpy.count_nonzero(arrays["Prediction"] != labels))
    check(wrong == 0, "%s rank %d extent %s: %d labels differ from the 1-rank run" % (name, rank, extent, wrong))
    worst = 0.0
    for n in names:
        if n == "Prediction":
            continue
        worst = max(worst, float(numpy.max(numpy.abs(arrays[n] - piece_of(reference[n], extent)))))
    check(worst <= PROBABILITY_TOLERANCE, "%s rank %d extent %s: probabilities differ by %.3g" %
          (name, rank, extent, worst))
    return worst


worst_2d = compare("field2d", [61, 47, 1], 0)
# Tiles smaller than a piece: tiling and decomposition together.
worst_tiled = compare("field2d_tiled", [61, 47, 1], 24)
worst_3d = compare("volume3d", [19, 17, 23], 0)
# A field with fewer cells than ranks: some ranks hold empty pieces and must
# neither fail nor hang.
worst_tiny = compare("tiny", [2, 2, 1], 0)
worst = comm.allreduce(max(worst_2d, worst_tiled, worst_3d, worst_tiny), op=MPI.MAX)
if rank == 0:
    print("largest probability difference from the 1-rank run: %.3g" % worst)
print("rank %d of %d: distributed inference OK" % (rank, size))
