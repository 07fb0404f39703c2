"""Generated samples for the representation tests (a helper module, not a test).

Three classes of 16 x 16 fields with seeded random phases, amplitudes and
noise: horizontal stripes, vertical stripes and a centred blob. Written as a
.pvd series (one .vti per time step) so that time steps are the samples; each
step carries field data Class and point arrays Field, Aux and Mask.
"""

import os

import numpy

SIDE = 16


def make_samples(count, seed=0, side=SIDE, noise=0.3):
    """Returns (fields (count, side, side), aux, masks, classes)."""
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0:side, 0:side].astype(float)
    fields, aux, masks, classes = [], [], [], []
    for i in range(count):
        cls = i % 3
        amplitude = rng.uniform(0.8, 1.2)
        phase = rng.uniform(0, 2 * numpy.pi)
        if cls == 0:
            pattern = numpy.sin(2 * numpy.pi * y / 8 + phase)
        elif cls == 1:
            pattern = numpy.sin(2 * numpy.pi * x / 8 + phase)
        else:
            cx, cy = side / 2 + rng.uniform(-2, 2), side / 2 + rng.uniform(-2, 2)
            pattern = 2 * numpy.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 3.0 ** 2)) - 0.5
        field = amplitude * pattern + noise * rng.standard_normal((side, side))
        fields.append(field)
        aux.append(numpy.cos(2 * numpy.pi * x / side) * 0.5 + rng.uniform(-0.1, 0.1, (side, side)))
        masks.append((pattern > 0.5).astype(numpy.int32))
        classes.append(cls)
    return numpy.array(fields), numpy.array(aux), numpy.array(masks), numpy.array(classes)


def image(field, aux=None, mask=None, cls=None, extra=None):
    """A vtkImageData (x fastest) with point arrays from (side, side) numpy arrays."""
    from vtkmodules.util.numpy_support import numpy_to_vtk
    from vtkmodules.vtkCommonCore import vtkIntArray
    from vtkmodules.vtkCommonDataModel import vtkImageData

    ny, nx = field.shape
    img = vtkImageData()
    img.SetDimensions(nx, ny, 1)
    arrays = {"Field": field, "Aux": aux, "Mask": mask}
    arrays.update(extra or {})
    for name, values in arrays.items():
        if values is None:
            continue
        a = numpy_to_vtk(numpy.ascontiguousarray(values).ravel(), deep=True)
        a.SetName(name)
        img.GetPointData().AddArray(a)
    if cls is not None:
        c = vtkIntArray()
        c.SetName("Class")
        c.InsertNextValue(int(cls))
        img.GetFieldData().AddArray(c)
    return img


def write_series(directory, count, seed=0, side=SIDE, noise=0.3):
    """Writes samples.pvd + one .vti per sample; returns (path, fields, aux, masks, classes)."""
    from vtkmodules.vtkIOXML import vtkXMLImageDataWriter

    fields, aux, masks, classes = make_samples(count, seed, side, noise)
    os.makedirs(directory, exist_ok=True)
    entries = []
    for t in range(count):
        name = "sample_%03d.vti" % t
        writer = vtkXMLImageDataWriter()
        writer.SetFileName(os.path.join(directory, name))
        writer.SetInputData(image(fields[t], aux[t], masks[t], classes[t]))
        writer.Write()
        entries.append('    <DataSet timestep="%d" file="%s"/>' % (t, name))
    path = os.path.join(directory, "samples.pvd")
    with open(path, "w") as f:
        f.write('<?xml version="1.0"?>\n<VTKFile type="Collection" version="0.1">\n  <Collection>\n')
        f.write("\n".join(entries))
        f.write("\n  </Collection>\n</VTKFile>\n")
    return path, fields, aux, masks, classes


def write_image(path, field, **arrays):
    """Writes one .vti with Field and the given point arrays."""
    from vtkmodules.vtkIOXML import vtkXMLImageDataWriter

    writer = vtkXMLImageDataWriter()
    writer.SetFileName(path)
    writer.SetInputData(image(field, extra=arrays))
    writer.Write()
    return path


def knn_accuracy(points, labels, k=5):
    """Leave-one-out k-nearest-neighbour accuracy (majority vote) with numpy."""
    points = numpy.asarray(points, float)
    labels = numpy.asarray(labels)
    d = ((points[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    numpy.fill_diagonal(d, numpy.inf)
    nearest = numpy.argsort(d, axis=1)[:, :k]
    correct = 0
    for i in range(len(points)):
        votes = numpy.bincount(labels[nearest[i]].astype(int))
        correct += int(numpy.argmax(votes) == labels[i])
    return correct / len(points)


def oracle(script, payload):
    """Runs `script` (text) in Debian's Python (scikit-learn) with a JSON payload on stdin; returns its JSON."""
    import json
    import subprocess

    python = os.environ.get("NEURALVIEW_ORACLE_PYTHON") or "/usr/bin/python3"
    done = subprocess.run([python, "-c", script], input=json.dumps(payload), capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError("oracle failed: %s" % done.stderr[-3000:])
    return json.loads(done.stdout)
