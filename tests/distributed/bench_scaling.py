"""Scaling benchmark of NeuralView's data-parallel training and decomposed inference.

A benchmark, not a test: it prints a table and writes JSON. Run from a build:

    /usr/bin/python3 tests/distributed/bench_scaling.py --ranks 1,2 [--cores N] [--out DIR]

For each rank count P it runs `mpirun -np P pvbatch --symmetric
scaling_worker.py` with T = cores / P OpenMP threads per rank (or a fixed T)
and measures
- training samples/s: strong scaling (samples-per-rank x Pmax samples at
  every P) and weak scaling (samples-per-rank x P samples);
- inference points/s on one field split over the ranks: strong (the same
  field) and weak (field area proportional to P).
Efficiency = throughput(P) / (throughput(first) x cores(P) / cores(first)),
with cores = P x T: when every run uses all cores (the default) the ideal is
equal throughput at every P; with --fixed-threads 1 it is linear speed-up.
The same script runs unchanged at 16 ranks on a larger machine.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))


def run(ranks, threads, mode, amount, out):
    result = os.path.join(out, "%s_%d_%d.json" % (mode, ranks, amount))
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), NEURALVIEW_SOURCE_DIR=SOURCE)
    env.setdefault("NEURALVIEW_PLUGIN", os.path.join(SOURCE, "build", "lib", "paraview-5.11", "plugins",
                                                     "NeuralView", "NeuralView.so"))
    command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader",
               "--bind-to", "core" if threads == 1 else "none", "-np", str(ranks),
               "-x", "OMP_NUM_THREADS", "-x", "NEURALVIEW_PLUGIN", "-x", "NEURALVIEW_SOURCE_DIR",
               "pvbatch", "--symmetric", os.path.join(HERE, "scaling_worker.py"), mode, str(amount), result]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not os.path.exists(result):
        sys.exit("failed: %s\n%s" % (" ".join(command), done.stdout[-3000:] + done.stderr[-3000:]))
    return json.load(open(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranks", default="1,2", help="comma-separated rank counts (default 1,2)")
    parser.add_argument("--cores", type=int, default=os.cpu_count(), help="cores to use in every run")
    parser.add_argument("--fixed-threads", type=int, default=0,
                        help="threads per rank for every P (default: cores / P)")
    parser.add_argument("--samples-per-rank", type=int, default=128, help="training samples per rank (weak)")
    parser.add_argument("--side", type=int, default=1024, help="inference field side at P = 1 (weak: scaled)")
    parser.add_argument("--out", default=None, help="folder for the JSON results")
    args = parser.parse_args()
    ranks = [int(r) for r in args.ranks.split(",")]
    out = args.out or tempfile.mkdtemp(prefix="neuralview_scaling_")
    os.makedirs(out, exist_ok=True)
    largest = max(ranks)
    # The model the inference runs use: trained once, at the smallest size.
    run(1, args.cores, "train", 8, out)

    rows = []
    for p in ranks:
        threads = args.fixed_threads or max(1, args.cores // p)
        strong_train = run(p, threads, "train", args.samples_per_rank * largest, out)
        weak_train = run(p, threads, "train", args.samples_per_rank * p, out)
        strong_infer = run(p, threads, "infer", args.side, out)
        weak_infer = run(p, threads, "infer", int(round(args.side * p ** 0.5)), out)
        rows.append(dict(ranks=p, threads=threads, strong_train=strong_train["samples_per_second"],
                         weak_train=weak_train["samples_per_second"],
                         strong_infer=strong_infer["points_per_second"], weak_infer=weak_infer["points_per_second"]))
    base = rows[0]
    ideal = (lambda r: r["ranks"] * r["threads"] / (base["ranks"] * base["threads"]))
    print("cores per run: %s; threads per rank: %s" % (
        "fixed" if args.fixed_threads else args.cores, args.fixed_threads or "cores / ranks"))
    print("| ranks x threads | train samples/s strong (eff.) | train samples/s weak (eff.) "
          "| infer Mpoints/s strong (eff.) | infer Mpoints/s weak (eff.) |")
    print("|---|---|---|---|---|")
    for r in rows:
        cells = ["%d x %d" % (r["ranks"], r["threads"])]
        for key, scale in (("strong_train", 1), ("weak_train", 1), ("strong_infer", 1e-6), ("weak_infer", 1e-6)):
            efficiency = r[key] / (base[key] * ideal(r))
            cells.append("%.2f (%.0f %%)" % (r[key] * scale, 100 * efficiency))
        print("| " + " | ".join(cells) + " |")
    json.dump(rows, open(os.path.join(out, "scaling.json"), "w"), indent=1)
    print("results in", out)


if __name__ == "__main__":
    main()
