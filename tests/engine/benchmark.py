#!/usr/bin/python3
"""NeuralView's engine against PyTorch 1.13 on DESIGN.md's reference networks.

A measuring aid, not a test: run it by hand with /usr/bin/python3 from the
repository root after a build.

    /usr/bin/python3 tests/engine/benchmark.py [--measure wall2|cpu1|both]
        [--nets climseg,cosmoflow,hepcnn] [--repeats 3] [--memory] [--bench PATH]

For each network and for training and inference it runs build/bin/neuralview-bench
and tests/engine/torch_bench.py (NCHW and channels_last; PyTorch's figure is
the better of the two) in the same run, alternating ours and PyTorch's
repetitions so both see the same machine load, and keeps the best repetition of
each. Two ways to measure:

- wall2: samples/s of wall-clock time at 2 threads (the issue's figure; only
  meaningful on a quiet machine);
- cpu1: samples per CPU-second at 1 thread (batch / CPU-seconds per step), the
  fairer figure on a machine shared with other jobs, where wall-clock time
  mostly measures the other jobs.

GFLOP/s counts the forward FLOP of DESIGN.md's network (reported by
neuralview-bench) and, for training, 3x that (forward + data gradient + weight
gradient; our engine skips the first layer's data gradient, so the real work
is a little less). The percentage of peak divides by a measured peak: an AVX2
FMA throughput loop (tests/engine/fma_peak.c) timed per CPU-second on one core;
the machine's peak is that times the cores used.

--memory adds the peak resident memory (ru_maxrss of the process, one warm-up
and one timed step) of a climseg training step at batch 4, ours vs PyTorch,
each in a separate process.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment of the
PyTorch runs only (they make Debian's OpenBLAS mis-tune on this machine).
"""
import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# DESIGN.md: reference batch and input shape (the bench and torch_bench.py
# default to these), and the targets (ours / PyTorch).
NETWORKS = {
    "climseg": {"batch": 4, "steps": {"train": 3, "infer": 5}},
    "cosmoflow": {"batch": 4, "steps": {"train": 4, "infer": 8}},
    "hepcnn": {"batch": 32, "steps": {"train": 10, "infer": 20}},
}
TARGETS = {
    ("climseg", "train"): 1.5, ("climseg", "infer"): 1.3,
    ("cosmoflow", "train"): 3.0, ("cosmoflow", "infer"): 1.3,
    ("hepcnn", "train"): 1.2, ("hepcnn", "infer"): 1.3,
}
# DESIGN.md's expectation for the dev machines (Zen 5, AVX-512): f32 per core.
DESIGN_PEAK_PER_CORE = 225.0


def run(command, env, timeout=1800):
    """Runs a command and returns its standard output."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    stdout, stderr = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(command), process.returncode, stderr.strip()[-2000:]))
    return stdout


def run_with_rusage(command, env):
    """Runs a command and returns (stdout, its own ru_maxrss in MiB)."""
    with tempfile.TemporaryFile(mode="w+") as out:
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.chdir(ROOT)
                os.dup2(out.fileno(), 1)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.execvpe(command[0], command, env)
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError("%s failed" % " ".join(command))
        out.seek(0)
        return out.read(), usage.ru_maxrss / 1024.0  # Linux reports KiB


def field(text, name):
    match = re.search(r"^%s ([0-9.eE+-]+)" % name, text, re.MULTILINE)
    if not match:
        raise RuntimeError("no '%s' in output:\n%s" % (name, text))
    return float(match.group(1))


def environments(threads):
    ours = dict(os.environ, OMP_NUM_THREADS=str(threads))
    torch = dict(ours)
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        torch.pop(name, None)
    return ours, torch


def measure_peak():
    """GFLOP/s of one core from the FMA loop, or None without a compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "fma_peak")
        subprocess.run([compiler, "-O2", "-mavx2", "-mfma", os.path.join(HERE, "fma_peak.c"), "-o", binary], check=True)
        out = subprocess.run([binary], check=True, capture_output=True, text=True).stdout
    return field(out, "gflops_per_core")


def ours_once(bench, net, mode, threads, env):
    steps = NETWORKS[net]["steps"][mode]
    out = run([bench, "--net", net, "--mode", mode, "--threads", str(threads), "--steps", str(steps)], env)
    batch = NETWORKS[net]["batch"]
    return {
        "wall": field(out, "samples_per_second"),
        "cpu": batch / field(out, "cpu_seconds_per_step"),
        "gflop": field(out, "forward_gflop_per_sample"),
    }


def torch_once(net, mode, threads, layout, env):
    steps = NETWORKS[net]["steps"][mode]
    batch = NETWORKS[net]["batch"]
    command = [sys.executable, os.path.join(HERE, "torch_bench.py"), net, mode, str(threads), str(batch), str(steps),
               layout]
    out = run(command, env)
    return {"wall": field(out, "samples_per_second"), "cpu": batch / field(out, "cpu_seconds_per_step")}


def compare(bench, nets, measure, repeats, peak_per_core):
    threads = 2 if measure == "wall2" else 1
    key = "wall" if measure == "wall2" else "cpu"
    env_ours, env_torch = environments(threads)
    unit = "samples/s (wall, 2 threads)" if measure == "wall2" else "samples per CPU-second (1 thread)"
    print("\n## %s, best of %d; load average before: %s" % (unit, repeats, load()))
    header = "| network | mode | ours | PyTorch (layout) | ratio | target | ours GFLOP/s | % of f32 peak |"
    print(header)
    print("|---|---|---|---|---|---|---|---|")
    rows = []
    for net in nets:
        for mode in ("train", "infer"):
            best_ours, best_torch, best_layout, gflop = 0.0, 0.0, "", 0.0
            for _ in range(repeats):
                o = ours_once(bench, net, mode, threads, env_ours)
                best_ours, gflop = max(best_ours, o[key]), o["gflop"]
                for layout in ("nchw", "channels_last"):
                    t = torch_once(net, mode, threads, layout, env_torch)
                    if t[key] > best_torch:
                        best_torch, best_layout = t[key], layout
            ratio = best_ours / best_torch
            factor = 3.0 if mode == "train" else 1.0
            rate = best_ours * gflop * factor  # GFLOP per second (or per CPU-second)
            percent = "%.0f %%" % (100.0 * rate / (peak_per_core * threads)) if peak_per_core else "n/a"
            target = TARGETS[(net, mode)]
            mark = "met" if ratio >= target else "MISSED"
            row = "| %s | %s | %.3g | %.3g (%s) | %.2fx | %.1fx %s | %.1f | %s |" % (
                net, "training" if mode == "train" else "inference", best_ours, best_torch, best_layout, ratio, target,
                mark, rate, percent)
            print(row, flush=True)
            rows.append(row)
    print("load average after: %s" % load())
    return rows


def memory(bench):
    env_ours, env_torch = environments(1)
    _, ours = run_with_rusage([bench, "--net", "climseg", "--mode", "train", "--threads", "1", "--batch", "4",
                               "--steps", "1", "--warmup", "1"], env_ours)
    print("\n## Peak resident memory, climseg training step at batch 4 (ru_maxrss, separate processes)")
    print("ours: %.0f MiB" % ours)
    best = None
    for layout in ("nchw", "channels_last"):
        _, torch = run_with_rusage([sys.executable, os.path.join(HERE, "torch_bench.py"), "climseg", "train", "1", "4",
                                    "1", layout], env_torch)
        print("PyTorch %s: %.0f MiB" % (layout, torch))
        best = torch if best is None else min(best, torch)
    print("ours / PyTorch (its smaller): %.2f -> %s" % (ours / best, "met" if ours <= best else "MISSED"))


def load():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", default=os.path.join(ROOT, "build", "bin", "neuralview-bench"))
    parser.add_argument("--nets", default="climseg,cosmoflow,hepcnn")
    parser.add_argument("--measure", choices=("wall2", "cpu1", "both"), default="wall2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="also compare peak resident memory (climseg, batch 4)")
    args = parser.parse_args()
    nets = [n for n in args.nets.split(",") if n]
    for n in nets:
        if n not in NETWORKS:
            parser.error("unknown network %s (expected %s)" % (n, ", ".join(NETWORKS)))
    if not os.access(args.bench, os.X_OK):
        parser.error("%s is not built (cmake --build build --target neuralview-bench)" % args.bench)

    print("machine: %s, %d CPUs, %s" % (platform.processor() or platform.machine(), os.cpu_count(), cpu_model()))
    peak = measure_peak()
    if peak:
        print("measured f32 peak: %.1f GFLOP/s per core (AVX2 FMA loop, per CPU-second; 32 FLOP/cycle -> %.2f GHz), "
              "%.0f GFLOP/s for 2 cores; DESIGN.md expected %.0f per core / %.0f for 2 (AVX-512), i.e. %.0f %% of that"
              % (peak, peak / 32.0, 2 * peak, DESIGN_PEAK_PER_CORE, 2 * DESIGN_PEAK_PER_CORE,
                 100.0 * peak / DESIGN_PEAK_PER_CORE))
    else:
        print("no C compiler: peak not measured, percentages omitted")
    measures = ("wall2", "cpu1") if args.measure == "both" else (args.measure,)
    for m in measures:
        compare(args.bench, nets, m, args.repeats, peak)
    if args.memory:
        memory(args.bench)


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                flags = open("/proc/cpuinfo").read()
                isa = "AVX-512" if " avx512f" in flags else ("AVX2" if " avx2" in flags else "no AVX2")
                return "%s, %s" % (line.split(":", 1)[1].strip(), isa)
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
