"""Generated data for the view tests, until EmbedFeatures/NetworkActivations are used.

`feature_embedding(field)` builds, on the server (a ProgrammableFilter, so it
runs on every rank of a pvserver), a point cloud with the EmbedFeatures
interface from a GaussianBlobs time series: one point per pixel and time step.
Its 2-D coordinates are the pixel's (Intensity, scaled Temperature) values at the
first time step (a real 2-D feature space), shifted by SHIFT * time index in
x, so each time step's points form their own island and a link that ignored
SampleIndex would select the same pixels once per time step. Like
EmbedFeatures' output it does not change with the animation time. PointIndex
is the structured index in the whole extent, so it does not depend on how the
field is split over ranks; GlobalIds = SampleIndex * pixels + PointIndex.
"""

SHIFT = 2.0

_TIME_SCRIPT = r"""
# Always read the first time step: the embedding does not follow the animation time.
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline as sddp
info = self.GetInputInformation(0, 0)
if info.Has(sddp.TIME_STEPS()):
    info.Set(sddp.UPDATE_TIME_STEP(), info.Get(sddp.TIME_STEPS(), 0))
"""

_EMBEDDING_SCRIPT = "SHIFT = %r\n" % SHIFT + r"""
import numpy as np
from vtkmodules.vtkCommonDataModel import vtkPolyData, vtkCellArray
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline as sddp

image = self.GetInputDataObject(0, 0)
out = self.GetPolyDataOutput()
info = self.GetInputInformation(0, 0)
steps = list(info.Get(sddp.TIME_STEPS())) if info.Has(sddp.TIME_STEPS()) else [0.0]
whole = info.Get(sddp.WHOLE_EXTENT())
ext = image.GetExtent()
nx, ny = whole[1] - whole[0] + 1, whole[3] - whole[2] + 1
total = nx * ny * (whole[5] - whole[4] + 1)
k, j, i = np.meshgrid(np.arange(ext[4], ext[5] + 1), np.arange(ext[2], ext[3] + 1), np.arange(ext[0], ext[1] + 1), indexing="ij")
index = ((i - whole[0]) + nx * ((j - whole[2]) + ny * (k - whole[4]))).ravel().astype(np.int64)
pd = image.GetPointData()
x = vtk_to_numpy(pd.GetArray("Intensity")).astype(np.float64)
y = (vtk_to_numpy(pd.GetArray("Temperature")).astype(np.float64) - 280.0) / 25.0  # Kelvin to about [0, 1]
label = vtk_to_numpy(pd.GetArray("BlobLabel")).astype(np.float64)
n = index.size
copies = len(steps)
xyz = np.zeros((copies * n, 3))
for s in range(copies):
    xyz[s * n:(s + 1) * n, 0], xyz[s * n:(s + 1) * n, 1] = x + SHIFT * s, y
points = vtkPoints()
points.SetData(numpy_to_vtk(xyz, deep=1))
out.SetPoints(points)
verts = vtkCellArray()
verts.InitTraversal()
ID_TYPE = 12  # VTK_ID_TYPE
offsets = numpy_to_vtk(np.arange(copies * n + 1, dtype=np.int64), deep=1, array_type=ID_TYPE)
verts.SetData(offsets, numpy_to_vtk(np.arange(copies * n, dtype=np.int64), deep=1, array_type=ID_TYPE))
out.SetVerts(verts)
def add(name, values, vtk_type=None):
    array = numpy_to_vtk(np.ascontiguousarray(values), deep=1, array_type=vtk_type) if vtk_type else numpy_to_vtk(np.ascontiguousarray(values), deep=1)
    array.SetName(name)
    out.GetPointData().AddArray(array)
    return array
samples = np.repeat(np.arange(copies, dtype=np.int64), n)
point_index = np.tile(index, copies)
add("Label", np.tile(label, copies))
add("Prediction", np.tile(label, copies))
add("Error", np.zeros(copies * n))
add("SampleIndex", samples)
add("PointIndex", point_index)
ids = add("GlobalIds", samples * total + point_index, ID_TYPE)
out.GetPointData().SetGlobalIds(ids)
"""


def feature_embedding(field):
    """A ProgrammableFilter on `field` (GaussianBlobs-like image) with the EmbedFeatures arrays."""
    from paraview import simple

    return simple.ProgrammableFilter(Input=field, OutputDataSetType="vtkPolyData", Script=_EMBEDDING_SCRIPT,
                                     RequestUpdateExtentScript=_TIME_SCRIPT)
