"""Shared helpers of the climate tests: fetching fields and geometry on the sphere."""

import numpy

import nvtest

EARTH_RADIUS_KM = 6371.0


def fetch(proxy, time=None):
    from paraview import servermanager

    if time is None:
        proxy.UpdatePipeline()
    else:
        proxy.UpdatePipeline(float(time))
    return servermanager.Fetch(proxy)


def grid_of(data):
    """Longitudes and latitudes (degrees) of an image's points, shaped (ny, nx)."""
    nx, ny, _ = data.GetDimensions()
    ox, oy, _ = data.GetOrigin()
    sx, sy, _ = data.GetSpacing()
    e = data.GetExtent()
    lon = ox + sx * numpy.arange(e[0], e[1] + 1)
    lat = oy + sy * numpy.arange(e[2], e[3] + 1)
    return numpy.meshgrid(lon, lat)


def field(data, name):
    nx, ny, _ = data.GetDimensions()
    return nvtest.point_array(data, name).reshape(ny, nx).astype(numpy.float64)


def great_circle_km(lon1, lat1, lon2, lat2):
    p1, p2 = numpy.radians(lat1), numpy.radians(lat2)
    dl = numpy.radians(numpy.asarray(lon2) - numpy.asarray(lon1))
    h = numpy.sin((p2 - p1) / 2) ** 2 + numpy.cos(p1) * numpy.cos(p2) * numpy.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * numpy.arcsin(numpy.sqrt(numpy.clip(h, 0, 1)))


def cell_area_km2(lat, dlon, dlat):
    """Area represented by grid points at `lat` on a dlon x dlat degree grid."""
    return (numpy.radians(dlon) * EARTH_RADIUS_KM * numpy.cos(numpy.radians(lat))) * numpy.radians(dlat) * EARTH_RADIUS_KM


def periodic_components(mask):
    """Connected components (8-neighbour) of a lat-lon mask, joined across the
    longitude seam. Returns (labels, count)."""
    from scipy import ndimage

    labels, count = ndimage.label(mask, structure=numpy.ones((3, 3), dtype=int))
    # Join components that touch across the seam (last column next to the first).
    parent = list(range(count + 1))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    ny = mask.shape[0]
    for j in range(ny):
        for dj in (-1, 0, 1):
            if 0 <= j + dj < ny:
                a, b = labels[j, -1], labels[j + dj, 0]
                if a and b:
                    parent[find(a)] = find(b)
    roots = {}
    joined = numpy.zeros_like(labels)
    for k in range(1, count + 1):
        r = find(k)
        roots.setdefault(r, len(roots) + 1)
        joined[labels == k] = roots[r]
    return joined, len(roots)
