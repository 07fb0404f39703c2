"""pvpython: the SyntheticClimate source's physics, labels, determinism and
decomposition independence, measured on its output (numpy/scipy), never on
its own bookkeeping alone.

- Tropical cyclones, at CAM5's 25 km grid (sub-extents around each centre):
  rotation sense by hemisphere (vorticity sign), sea-level-pressure minimum at
  the centre with the stated drop, wind maximum of 17-70 m/s tens of km from
  the centre, warm core aloft, moist core, latitude band.
- Atmospheric rivers (connected LABELS==2 regions): longer than 2000 km,
  narrower than 1000 km, reaching poleward from the tropics, with high vapour
  transport.
- Fronts: temperature step and wind shift across the axis.
- Class frequencies against DeepCAM's.
- Same seed, same fields; any sub-extent equals the same part of the whole.
"""

import math

import numpy
import nvtest
from climate_support import (cell_area_km2, fetch, field, grid_of, great_circle_km, periodic_components)
from nvtest import check
from paraview.simple import *  # noqa: F401,F403

nvtest.load_plugin(globals())

# ---------------------------------------------------------------- cyclones
# The weather state does not depend on the grid: the storms of a coarse field
# are found again, resolved, on the 25 km grid (only a window around each
# centre is generated: the source produces the requested sub-extent only).
NX, NY = 1152, 768
DLON, DLAT = 360.0 / NX, 180.0 / (NY - 1)
coarse = SyntheticClimate(Dimensions=[144, 96], Seed=11, NumberOfTimeSteps=6)
fine = SyntheticClimate(Dimensions=[NX, NY], Seed=11, NumberOfTimeSteps=6)
window = ExtractSubset(Input=fine)
tested = 0
for step in range(6):
    d = fetch(coarse, step)
    centers = nvtest.field_array(d, "TCCenter").reshape(-1, 2)
    hemispheres = nvtest.field_array(d, "TCHemisphere")
    vmax = nvtest.field_array(d, "TCMaxWind")
    drop = nvtest.field_array(d, "TCPressureDrop")
    warm = nvtest.field_array(d, "TCWarmCore")
    for c, (clon, clat) in enumerate(centers):
        h = int(hemispheres[c])
        check(5.0 <= abs(clat) <= 35.0, "cyclone at latitude %.1f, outside 5-35" % clat)
        check(h == (1 if clat > 0 else -1), "cyclone hemisphere %d at latitude %.1f" % (h, clat))
        check(17.0 <= vmax[c] <= 70.0, "cyclone maximum wind %.1f m/s outside 17-70" % vmax[c])
        ic, jc = int(round(clon / DLON)), int(round((clat + 90.0) / DLAT))
        half = 28  # points: about 700 km either side
        if ic - half < 0 or ic + half >= NX:
            continue  # the window would cross the longitude seam
        window.VOI = [ic - half, ic + half, jc - half, jc + half, 0, 0]
        w = fetch(window, step)
        lon, lat = grid_of(w)
        r = great_circle_km(clon, clat, lon, lat)
        u, v, psl = field(w, "U850"), field(w, "V850"), field(w, "PSL")
        t500, tmq, labels = field(w, "T500"), field(w, "TMQ"), field(w, "LABELS")
        # Circulation around a square of +-2 points about the centre point:
        # positive (counter-clockwise) in the north, negative in the south.
        k = 2
        dx = math.radians(DLON) * 6.371e6 * math.cos(math.radians(clat))
        dy = math.radians(DLAT) * 6.371e6
        y0, x0 = half, half
        circulation = (u[y0 - k, x0 - k:x0 + k].sum() * dx + v[y0 - k:y0 + k, x0 + k].sum() * dy -
                       u[y0 + k, x0 - k + 1:x0 + k + 1].sum() * dx - v[y0 - k + 1:y0 + k + 1, x0 - k].sum() * dy)
        check(numpy.sign(circulation) == h,
              "step %d cyclone at %.1f,%.1f: circulation %.3g has the wrong sense for hemisphere %d" %
              (step, clon, clat, circulation, h))
        # Sea-level pressure: a local minimum at the centre (the lowest point
        # within 400 km lies within 1.5 grid cells, ~40 km, of it).
        jm, im = numpy.unravel_index(numpy.argmin(numpy.where(r < 400, psl, numpy.inf)), psl.shape)
        check(r[jm, im] <= 1.5 * 35.0, "PSL minimum %.0f km from the cyclone centre" % r[jm, im])
        ring = (r > 550) & (r < 650)
        deficit = psl[ring].mean() - psl[jm, im]
        check(deficit >= 0.5 * drop[c], "PSL deficit %.0f Pa below half the stated drop %.0f Pa" % (deficit, drop[c]))
        # Wind maximum: 17-70 m/s (plus the background flow) tens of km out.
        speed = numpy.hypot(u, v)
        near = r < 300
        jm, im = numpy.unravel_index(numpy.argmax(numpy.where(near, speed, 0)), speed.shape)
        check(0.75 * vmax[c] <= speed[jm, im] <= vmax[c] + 20.0,
              "850 hPa wind maximum %.1f m/s, stated %.1f" % (speed[jm, im], vmax[c]))
        check(10.0 <= r[jm, im] <= 120.0, "wind maximum %.0f km from the centre, not tens of km" % r[jm, im])
        # Warm core aloft and moist core.
        centre = r < 30
        check(t500[centre].mean() - t500[ring].mean() >= 0.5 * warm[c], "no warm core at 500 hPa")
        check(tmq[centre].mean() - tmq[ring].mean() >= 10.0, "no moist core")
        check((labels[centre] == 1).all(), "cyclone centre not labelled 1")
        tested += 1
print("cyclones checked on the 25 km grid: %d" % tested)
check(tested >= 8, "only %d cyclones could be checked" % tested)

# Every pixel labelled 1 lies within its cyclone's label radius (plus a cell).
for step in range(6):
    d = fetch(coarse, step)
    lon, lat = grid_of(d)
    centers = nvtest.field_array(d, "TCCenter").reshape(-1, 2)
    radius = nvtest.field_array(d, "TCLabelRadius")
    labelled = field(d, "LABELS") == 1
    inside = numpy.zeros_like(labelled)
    for (clon, clat), rad in zip(centers, radius):
        inside |= great_circle_km(clon, clat, lon, lat) <= rad + 1.0
    check(not (labelled & ~inside).any(), "cyclone labels away from every cyclone")
    check(all(labelled[great_circle_km(clon, clat, lon, lat) < 0.5 * rad].all()
              for (clon, clat), rad in zip(centers, radius)), "cyclone interior not labelled")

# ---------------------------------------------------------------- rivers, fronts, frequencies
medium = SyntheticClimate(Dimensions=[288, 192], Seed=3, NumberOfTimeSteps=6)
lengths, widths = [], []
counts = numpy.zeros(3)
front_steps, front_shifts = [], []
for step in range(6):
    d = fetch(medium, step)
    lon, lat = grid_of(d)
    labels = field(d, "LABELS").astype(int)
    for c in range(3):
        counts[c] += (labels == c).sum()
    rivers, n = periodic_components(labels == 2)
    check(n >= 1, "step %d has no atmospheric river" % step)
    ivt = field(d, "IVT")
    for k in range(1, n + 1):
        mask = rivers == k
        plon, plat = lon[mask], lat[mask]
        if mask.sum() < 6:
            continue  # a sliver cut off by a cyclone label
        # Length: the largest great-circle distance between two of its points.
        length = max(great_circle_km(plon[i], plat[i], plon, plat).max() for i in range(len(plon)))
        area = cell_area_km2(plat, 360.0 / 288, 180.0 / 191).sum()
        lengths.append(length)
        widths.append(area / length)
        check(numpy.abs(plat).min() < 30.0 and numpy.abs(plat).max() > 35.0,
              "river spans latitudes %.0f-%.0f, not from the tropics poleward" %
              (numpy.abs(plat).min(), numpy.abs(plat).max()))
        band = (numpy.abs(lat) >= numpy.abs(plat).min()) & (numpy.abs(lat) <= numpy.abs(plat).max()) & (labels == 0)
        check(ivt[mask].mean() > 250.0 and ivt[mask].mean() > 2.0 * ivt[band].mean(),
              "river vapour transport %.0f vs %.0f around it" % (ivt[mask].mean(), ivt[band].mean()))
    # Fronts: sample TS and the 850 hPa wind 350 km either side of each axis midpoint.
    axis = nvtest.field_array(d, "FrontAxis").reshape(-1, 3)
    jumps = nvtest.field_array(d, "FrontTemperatureJump")
    ts, u, v = field(d, "TS"), field(d, "U850"), field(d, "V850")

    def sample(a, plon, plat):
        i = int(round((plon % 360.0) / (360.0 / 288))) % 288
        j = int(round((plat + 90.0) / (180.0 / 191)))
        return a[j, i]

    for f in range(len(jumps)):
        pts = axis[axis[:, 2] == f]
        m = len(pts) // 2
        (lon0, lat0), (lon1, lat1) = pts[m - 1, :2], pts[m + 1, :2]
        c = math.cos(math.radians(lat0))
        tx, ty = ((lon1 - lon0 + 180) % 360 - 180) * c, lat1 - lat0
        norm = math.hypot(tx, ty)
        hemisphere = 1 if lat0 > 0 else -1
        nx, ny = -ty / norm * hemisphere, tx / norm * hemisphere  # towards the warm side
        off = 350.0 / 111.2
        wl, wa = pts[m, 0] + nx * off / c, pts[m, 1] + ny * off
        cl, ca = pts[m, 0] - nx * off / c, pts[m, 1] - ny * off
        front_steps.append((sample(ts, wl, wa) - sample(ts, cl, ca)) / jumps[f])
        a_warm = math.atan2(sample(v, wl, wa), sample(u, wl, wa))
        a_cold = math.atan2(sample(v, cl, ca), sample(u, cl, ca))
        front_shifts.append(abs((math.degrees(a_warm - a_cold) + 180) % 360 - 180))
    if step == 0:
        front_label = field(d, "FRONTS")
        check(front_label.sum() > 0, "no front labelled")

lengths, widths = numpy.array(lengths), numpy.array(widths)
print("atmospheric rivers: %d, length %.0f-%.0f km (median %.0f), width %.0f-%.0f km (median %.0f)" %
      (len(lengths), lengths.min(), lengths.max(), numpy.median(lengths), widths.min(), widths.max(),
       numpy.median(widths)))
check(len(lengths) >= 12, "only %d rivers measured" % len(lengths))
check((lengths > 2000.0).all(), "rivers shorter than 2000 km: %s" % lengths[lengths <= 2000.0])
check((widths < 1000.0).all(), "rivers wider than 1000 km: %s" % widths[widths >= 1000.0])
front_steps, front_shifts = numpy.array(front_steps), numpy.array(front_shifts)
print("fronts: %d, warm-minus-cold TS / stated jump: median %.2f; wind turn across: median %.0f deg" %
      (len(front_steps), numpy.median(front_steps), numpy.median(front_shifts)))
# Warm side warmer by a good part of the stated jump (the background gradient
# and large-scale anomalies add noise), wind turning by tens of degrees.
check(numpy.median(front_steps) > 0.5 and (front_steps > 0).mean() >= 0.8, "no temperature step across fronts")
check(numpy.median(front_shifts) > 30.0, "no wind shift across fronts")

freq = counts / counts.sum()
print("class frequencies at 288x192 (6 steps): background %.5f, TC %.5f, AR %.5f" % tuple(freq))
full = SyntheticClimate(Dimensions=[NX, NY], Seed=3, NumberOfTimeSteps=2)
full_counts = numpy.zeros(3)
for step in range(2):
    labels = field(fetch(full, step), "LABELS").astype(int)
    full_counts += numpy.bincount(labels.ravel(), minlength=3)
full_freq = full_counts / full_counts.sum()
print("class frequencies at 1152x768 (2 steps): background %.5f, TC %.5f, AR %.5f" % tuple(full_freq))
# DeepCAM: 0.98627 / 0.000458 / 0.013274. Weather varies from step to step,
# so allow factors of about 3 on the rare classes; at coarse resolution the
# cyclone labels are at least a grid cell in radius, hence a larger TC share.
for f, tc_max in ((full_freq, 0.0015), (freq, 0.005)):
    check(0.95 <= f[0] <= 0.997, "background fraction %.4f" % f[0])
    check(0.00015 <= f[1] <= tc_max, "cyclone fraction %.5f" % f[1])
    check(0.004 <= f[2] <= 0.04, "river fraction %.4f" % f[2])

# ---------------------------------------------------------------- determinism and pieces
NAMES = ["TMQ", "U850", "V850", "UBOT", "VBOT", "QREFHT", "PS", "PSL", "T200", "T500", "PRECT", "TS", "TREFHT",
         "Z1000", "Z200", "ZBOT", "LANDFRAC", "IVT", "LABELS", "FRONTS"]
a = fetch(SyntheticClimate(Dimensions=[144, 96], Seed=5, NumberOfTimeSteps=3), 1)
b = fetch(SyntheticClimate(Dimensions=[144, 96], Seed=5, NumberOfTimeSteps=3), 1)
c = fetch(SyntheticClimate(Dimensions=[144, 96], Seed=6, NumberOfTimeSteps=3), 1)
a0 = fetch(SyntheticClimate(Dimensions=[144, 96], Seed=5, NumberOfTimeSteps=3), 0)
for name in NAMES:
    check(numpy.array_equal(field(a, name), field(b, name)), "%s differs between runs with the same seed" % name)
for name in ("TMQ", "PSL", "U850"):
    check(not numpy.array_equal(field(a, name), field(c, name)), "%s is the same for seeds 5 and 6" % name)
    check(not numpy.array_equal(field(a, name), field(a0, name)), "%s is the same for time steps 0 and 1" % name)
check(numpy.array_equal(nvtest.field_array(a, "TCCenter"), nvtest.field_array(b, "TCCenter")), "TC centres differ")

whole_source = SyntheticClimate(Dimensions=[144, 96], Seed=9, NumberOfTimeSteps=4)
whole = fetch(whole_source, 2)
pieces = [(0, 70, 0, 40), (71, 143, 0, 40), (0, 30, 41, 95), (31, 143, 41, 95)]
for i0, i1, j0, j1 in pieces:
    part = fetch(ExtractSubset(Input=whole_source, VOI=[i0, i1, j0, j1, 0, 0]), 2)
    check(part.GetExtent()[:4] == (i0, i1, j0, j1), "piece extent %s" % (part.GetExtent(),))
    for name in NAMES:
        check(numpy.array_equal(field(part, name), field(whole, name)[j0:j1 + 1, i0:i1 + 1]),
              "%s of piece %s differs from the whole field" % (name, (i0, i1, j0, j1)))
    for name in ("TCCenter", "ARAxis", "FrontAxis", "TCLabelRadius"):
        check(numpy.array_equal(nvtest.field_array(part, name), nvtest.field_array(whole, name)),
              "field data %s differs on a piece" % name)

# ---------------------------------------------------------------- bad input
bad = SyntheticClimate(Dimensions=[2, 2])
catcher = nvtest.ErrorCatcher(bad.GetClientSideObject())
bad.UpdatePipeline()
check(any("Dimensions" in m for m in catcher.messages), "no clear error for 2x2 dimensions: %s" % catcher.messages)
print("SyntheticClimate: OK")
