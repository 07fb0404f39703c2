"""Cosmology helpers: synthetic universes, CosmoFlow and GADGET files, and
parameter regression (``neuralview.cosmology``, importable once the plugin is loaded).

    from neuralview import cosmology
    universes = cosmology.synthetic_universes(grid=32, count=64, seed=1)
    trainer = neuralview.train(universes, cosmology.LOG_CHANNELS, label="unitPar",
                               task="regression", Architecture="cosmoflow", ...)
    truth, predicted = cosmology.predict_universes(cosmology.synthetic_universes(grid=32, count=16, seed=99), model)

Parameters follow CosmoFlow's unitPar convention: u in [-1, 1] per parameter,
physical = (1 + 0.1 u) * (0.3, 0.8, 0.96, 70) for (Omega_m, sigma_8, n_s, H0).
"""

from paraview import servermanager as _sm
from paraview import simple as _simple

PARAMETERS = ("Omega_m", "sigma_8", "n_s", "H0")
FIDUCIAL = (0.3, 0.8, 0.96, 70.0)
SPREAD = 0.1
REDSHIFTS = (0.0, 0.5, 1.5, 3.0)
CHANNELS = ["Density_z0", "Density_z0.5", "Density_z1.5", "Density_z3"]
LOG_CHANNELS = ["LogDensity_z0", "LogDensity_z0.5", "LogDensity_z1.5", "LogDensity_z3"]


def unit_to_physical(u):
    """CosmoFlow's unitPar -> (Omega_m, sigma_8, n_s, H0)."""
    return [(1.0 + SPREAD * float(x)) * f for x, f in zip(u, FIDUCIAL)]


def physical_to_unit(p):
    """(Omega_m, sigma_8, n_s, H0) -> CosmoFlow's unitPar."""
    return [(float(x) / f - 1.0) / SPREAD for x, f in zip(p, FIDUCIAL)]


def _register(proxy, name):
    _sm.ProxyManager().RegisterProxy("sources", "%s%d" % (name, proxy.GetGlobalID()), proxy)
    _simple.SetActiveSource(proxy)
    return proxy


def synthetic_universes(grid=64, box=None, count=1, seed=0, **properties):
    """A SyntheticCosmology source: `count` independent universes (time steps) of grid^3 points.

    box -- side in Mpc/h (default 2 Mpc/h per grid point)
    Other keyword arguments set properties (RandomParameters, Sigma8, LPTOrder, ...).
    """
    source = _sm.sources.SyntheticCosmology(GridSize=int(grid), BoxSize=float(box or 2.0 * grid), Seed=int(seed),
                                            NumberOfTimeSteps=int(count), **properties)
    source.UpdatePipelineInformation()
    return _register(source, "SyntheticCosmology")


def read_cosmoflow(files, **properties):
    """A CosmoFlowReader over one file or a list of files (time steps)."""
    if isinstance(files, str):
        files = [files]
    reader = _sm.sources.CosmoFlowReader(FileNames=list(files), **properties)
    reader.UpdatePipelineInformation()
    return _register(reader, "CosmoFlowReader")


def write_cosmoflow(input, path, channels=None, time=None):
    """Write the image `input` (at `time`) as a CosmoFlow HDF5 sample; returns the path."""
    writer = _sm.writers.CosmoFlowWriter(Input=input, FileName=path, ChannelArrays=list(channels or []))
    if time is None:
        writer.UpdatePipeline()
    else:
        writer.UpdatePipeline(float(time))
    return path


def read_gadget(path, dark_matter=True, gas=False):
    """A GadgetReader of an HDF5 snapshot (particles with the Header as field data)."""
    reader = _sm.sources.GadgetReader(FileName=path, ReadDarkMatter=int(dark_matter), ReadGas=int(gas))
    return _register(reader, "GadgetReader")


def deposit(particles, dimensions=64, zeldovich=False, **properties):
    """DepositParticles onto dimensions^3 points (or a 3-sequence): Mass, Density (and Density_z* with zeldovich)."""
    if isinstance(dimensions, int):
        dimensions = [dimensions] * 3
    f = _sm.filters.DepositParticles(Input=particles, Dimensions=list(dimensions), ZeldovichChannels=int(zeldovich),
                                     **properties)
    return _register(f, "DepositParticles")


def field_values(data, name):
    """The first tuple of a field-data array as a list (None when absent)."""
    array = data.GetFieldData().GetArray(name)
    if array is None:
        return None
    return [array.GetComponent(0, c) for c in range(array.GetNumberOfComponents())]


def predict_universes(source, model_file, label="unitPar", steps=None, **properties):
    """Apply a regression model to every time step of `source`.

    Returns (truth, predicted): lists of per-step lists (the field-data `label`
    of each step, and the network's Prediction).
    """
    applied = _sm.filters.ApplyNetwork(Input=source, ModelFile=model_file, **properties)
    source.UpdatePipelineInformation()
    times = list(source.TimestepValues) if len(source.TimestepValues) else [0.0]
    if steps is not None:
        times = times[:steps]
    truth, predicted = [], []
    for t in times:
        applied.UpdatePipeline(float(t))
        data = _sm.Fetch(applied)
        truth.append(field_values(data, label))
        predicted.append(field_values(data, "Prediction"))
    return truth, predicted


def mean_absolute_errors(truth, predicted):
    """Per-parameter mean absolute error of lists of vectors, and that of always predicting the
    truth's own mean (the baseline a network must beat; slightly optimistic for the baseline)."""
    n = len(truth)
    k = len(truth[0])
    mae = [sum(abs(p[i] - t[i]) for t, p in zip(truth, predicted)) / n for i in range(k)]
    mean = [sum(t[i] for t in truth) / n for i in range(k)]
    baseline = [sum(abs(mean[i] - t[i]) for t in truth) / n for i in range(k)]
    return mae, baseline


def power_spectrum(density, box, bins=8):
    """The measured power spectrum of a periodic density cube (numpy, any axis order).

    density -- rho/mean rho (or the contrast delta) on a cubic grid
    box     -- side in Mpc/h
    Returns (k, P, modes): the mean wavenumber [h/Mpc], the mean |delta_k|^2 V / N^6
    [(Mpc/h)^3] and the number of Fourier modes in each of `bins` logarithmic shells from the
    fundamental mode to the Nyquist wavenumber. Shells without modes give NaN.
    """
    import numpy

    delta = numpy.asarray(density, dtype=numpy.float64)
    n = delta.shape[0]
    if delta.shape != (n, n, n) or n < 4:
        raise ValueError("power_spectrum needs a cube of at least 4^3 points, got shape %s" % (delta.shape,))
    delta = delta / delta.mean() - 1.0
    power = numpy.abs(numpy.fft.rfftn(delta)) ** 2 * box ** 3 / float(n) ** 6
    frequencies = numpy.fft.fftfreq(n, d=1.0 / n)
    kx, ky, kz = numpy.meshgrid(frequencies, frequencies, numpy.arange(n // 2 + 1), indexing="ij")
    k = 2.0 * numpy.pi / box * numpy.sqrt(kx ** 2 + ky ** 2 + kz ** 2)
    # The rfft half-space holds each mode of 0 < kz < n/2 once for itself and once for its mirror.
    weight = numpy.where((kz == 0) | (kz == n // 2), 1.0, 2.0)
    k_fundamental, k_nyquist = 2.0 * numpy.pi / box, numpy.pi * n / box
    edges = numpy.geomspace(k_fundamental, k_nyquist * (1 + 1e-9), bins + 1)
    shell = numpy.digitize(k.ravel(), edges) - 1
    inside = (shell >= 0) & (shell < bins) & (k.ravel() > 0)
    w = weight.ravel()[inside]
    modes = numpy.bincount(shell[inside], weights=w, minlength=bins)
    with numpy.errstate(invalid="ignore", divide="ignore"):
        k_mean = numpy.bincount(shell[inside], weights=w * k.ravel()[inside], minlength=bins) / modes
        p_mean = numpy.bincount(shell[inside], weights=w * power.ravel()[inside], minlength=bins) / modes
    return k_mean, p_mean, modes
