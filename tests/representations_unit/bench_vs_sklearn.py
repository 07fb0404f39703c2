#!/usr/bin/env python3
"""Benchmark (not a test): NeuralView's clustering/embedding vs scikit-learn.

Times neuralview-embed (compute time reported by the tool, excluding file
I/O) against scikit-learn's fit on the same seeded make_blobs data, at each
size, with the same thread count (OMP_NUM_THREADS for both), and prints a
table with the ratio sklearn / ours (> 1: ours is faster) and, for the
clusterings, the adjusted Rand index between the two labelings.

Usage: bench_vs_sklearn.py --tool BUILD/bin/neuralview-embed [--sizes 10000 100000]
                           [--threads 2] [--timeout 1800] [--methods kmeans dbscan tsne umap]
Run it with Debian's /usr/bin/python3 (numpy, scikit-learn). umap-learn is
used when importable; otherwise only our UMAP is timed.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

FEATURES = 10
CENTERS = 10


def data(n):
    from sklearn.datasets import make_blobs
    x, _ = make_blobs(n_samples=n, n_features=FEATURES, centers=CENTERS, cluster_std=1.0, random_state=0)
    return x


def tsne_iterations(n):
    # scikit-learn's BH t-SNE needs hours for 1000 iterations of 100,000
    # points on 2 cores; large sizes run 300 (250 exaggerated + 50) for both.
    return 1000 if n <= 20000 else 300


def eps_for(n):
    # Similar neighbour counts (about 20-40) at both sizes.
    return 1.6 if n <= 20000 else 1.25


def sklearn_fit(method, path, n, out):
    """Runs in a child process so that a timeout can stop it."""
    x = np.fromfile(path, dtype="<f8").reshape(n, FEATURES)
    start = time.perf_counter()
    if method == "kmeans":
        from sklearn.cluster import KMeans
        result = KMeans(n_clusters=CENTERS, n_init=4, random_state=0).fit(x).labels_
    elif method == "dbscan":
        from sklearn.cluster import DBSCAN
        result = DBSCAN(eps=eps_for(n), min_samples=10).fit(x).labels_
    elif method == "tsne":
        from sklearn.manifold import TSNE
        result = TSNE(n_components=2, perplexity=30.0, init="pca", learning_rate="auto", random_state=0,
                      n_iter=tsne_iterations(n)).fit_transform(x)
    elif method == "umap":
        import umap  # noqa: F401 (only when installed)
        result = umap.UMAP(n_neighbors=15, random_state=0).fit_transform(x)
    seconds = time.perf_counter() - start
    np.asarray(result).astype("<i8" if method in ("kmeans", "dbscan") else "<f8").tofile(out)
    print(json.dumps({"seconds": seconds}))


def child_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(command, timeout, env):
    """(compute seconds, CPU seconds of the whole child process, note)."""
    cpu_before = child_cpu_seconds()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, None, "timeout"
    cpu = child_cpu_seconds() - cpu_before
    if done.returncode != 0:
        return None, None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"], cpu, ""


def ours_arguments(method, n):
    if method == "kmeans":
        return ["--clusters", str(CENTERS), "--n-init", "4"]
    if method == "dbscan":
        return ["--eps", str(eps_for(n)), "--min-samples", "10"]
    if method == "tsne":
        return ["--iterations", str(tsne_iterations(n))]
    return []


def ari(a, b):
    from sklearn.metrics import adjusted_rand_score
    return adjusted_rand_score(a, b)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", required=False)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--methods", nargs="+", default=["kmeans", "dbscan", "tsne", "umap"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--sklearn-one", nargs=4, metavar=("METHOD", "PATH", "N", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sklearn_one:
        method, path, n, out = args.sklearn_one
        sklearn_fit(method, path, int(n), out)
        return
    if not args.tool:
        parser.error("--tool is required")
    try:
        import umap  # noqa: F401
        have_umap = True
    except ImportError:
        have_umap = False
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = os.path.join(tmp, f"x{n}.f64")
            data(n).astype("<f8").tofile(path)
            for method in args.methods:
                ours_out, theirs_out = os.path.join(tmp, "ours.bin"), os.path.join(tmp, "theirs.bin")
                ours, ours_cpu, ours_note = run_child([args.tool, method, "--input", path, "--cols", str(FEATURES), "--output",
                                             ours_out] + ours_arguments(method, n), args.timeout, env)
                if method == "umap" and not have_umap:
                    theirs, theirs_cpu, theirs_note = None, None, "no umap-learn"
                else:
                    theirs, theirs_cpu, theirs_note = run_child([sys.executable, __file__, "--sklearn-one", method, path, str(n),
                                                     theirs_out], args.timeout, env)
                agreement = ""
                if method in ("kmeans", "dbscan") and ours is not None and theirs is not None:
                    agreement = f"{ari(np.fromfile(ours_out, dtype='<i8'), np.fromfile(theirs_out, dtype='<i8')):.4f}"
                rows.append((method, n, ours, ours_note, theirs, theirs_note, agreement, ours_cpu, theirs_cpu))
                print(f"# {method} n={n}: ours {ours} s (cpu {ours_cpu}) {ours_note}, sklearn {theirs} s "
                      f"(cpu {theirs_cpu}) {theirs_note}", flush=True)
    print(f"\n{'method':8} {'points':>8} {'ours [s]':>10} {'sklearn [s]':>12} {'sklearn/ours':>13} {'ARI':>7}"
          f" {'CPU ours/sklearn [s]':>22}")
    for method, n, ours, ours_note, theirs, theirs_note, agreement, ours_cpu, theirs_cpu in rows:
        ours_text = f"{ours:.2f}" if ours is not None else ours_note
        theirs_text = f"{theirs:.2f}" if theirs is not None else theirs_note
        if theirs is None and theirs_note == "timeout":
            theirs_text = f">{args.timeout:.0f}"
        ratio = f"{theirs / ours:.1f}x" if ours and theirs else ("" if theirs_note != "timeout" or not ours
                                                                 else f">{args.timeout / ours:.1f}x")
        cpu = f"{ours_cpu:.1f} / {theirs_cpu:.1f}" if ours_cpu is not None and theirs_cpu is not None else ""
        print(f"{method:8} {n:>8} {ours_text:>10} {theirs_text:>12} {ratio:>13} {agreement:>7} {cpu:>22}")
    print(f"\n{FEATURES}-D make_blobs with {CENTERS} centres, {args.threads} threads each; times are the fit alone"
          " (ours as reported by neuralview-embed), CPU is the whole process including start-up and file I/O."
          f" t-SNE runs {tsne_iterations(10**6)} iterations above 20,000 points.")


if __name__ == "__main__":
    main()
