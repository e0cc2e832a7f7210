#!/usr/bin/env python3
"""Isolation Forest fit and scoring speed: Nazar's (PluginKit/IsolationForest, via
bench/iforest-bench) against scikit-learn's IsolationForest, both single-threaded,
on the same ODDS rows, in the same run.

Protocol (as datasets/bench_sklearn_iforest.py): 100 trees, max_samples 256, fit on
every row, score every row. For each data set and seed: fit time, time to score all
rows (sklearn `score_samples`; ours the batch scorer), and ours one row at a time
(the path the detector takes per aligned row). Paired per seed: sklearn's run, then ours,
back to back, so both see the same load of a shared machine; the table shows medians over
the seeds of the times and of the per-seed ratios (sklearn time / ours). Ours runs twice: with the AVX-512
kernel where the CPU has it, and with NAZAR_IFOREST_KERNEL=0 (the portable Swift walk
every other x86-64 or ARM machine runs) — the "portable" columns.

sklearn is held to one thread: n_jobs=None (its default) plus OMP/OpenBLAS/MKL thread
counts of 1 and threadpoolctl, so nothing in numpy runs in parallel. Ours has no threads.

Usage: swift build -c release --product iforest-bench
       python3 bench/iforest_speed.py [--seeds 5] [--sets http,cover,shuttle]
Needs numpy, pandas, scikit-learn (pip install scikit-learn pandas).
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import json
import statistics
import subprocess
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import IsolationForest
from threadpoolctl import threadpool_limits

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.environ.get("NAZAR_DATASETS", os.path.join(REPO, "..", "shared", "datasets"))


def sklearn_times(X, seed):
    with threadpool_limits(limits=1):
        clf = IsolationForest(n_estimators=100, max_samples=256, random_state=seed)
        t0 = time.perf_counter()
        clf.fit(X)
        t1 = time.perf_counter()
        clf.score_samples(X)
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def ours_times(path, seed, binary, portable=False):
    env = dict(os.environ, NAZAR_IFOREST_KERNEL="0") if portable else None
    out = subprocess.run([binary, path, "--seeds", "1", "--first-seed", str(seed)], check=True, capture_output=True,
                         text=True, env=env).stdout
    r = json.loads(out)
    return r["fit_s"][0], r["score_s"][0], r["single_row_score_s"][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--sets", default="http,cover,shuttle")
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "iforest-bench"))
    a = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; {os.cpu_count()} CPUs; seeds 0..{a.seeds - 1}\n")
    print("| set | rows | d | sklearn fit s | ours fit s | fit ratio | sklearn score µs/row | ours batch µs/row "
          "| batch ratio (lowest seed) | ours one-row µs/row | one-row ratio | portable batch µs/row | portable ratio |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for name in a.sets.split(","):
        path = os.path.join(DATASETS, "odds", f"{name}.csv")
        df = pd.read_csv(path)
        df.pop("label")
        X = df.to_numpy(dtype=np.float64)
        n, d = X.shape
        # Paired per seed: sklearn, then ours with the kernel, then ours portable, back to
        # back, so each ratio compares runs under the same load of the shared machine.
        rows = []
        for seed in range(a.seeds):
            sk_fit, sk_score = sklearn_times(X, seed)
            our_fit, our_score, our_single = ours_times(path, seed, a.binary)
            _, portable_score, _ = ours_times(path, seed, a.binary, portable=True)
            rows.append((sk_fit, sk_score, our_fit, our_score, our_single, portable_score))
        col = list(zip(*rows))
        med = statistics.median
        us = lambda seconds: seconds / n * 1e6  # noqa: E731
        ratio = lambda i, j: med(r[i] / r[j] for r in rows)  # noqa: E731
        lowest = lambda i, j: min(r[i] / r[j] for r in rows)  # noqa: E731
        print(f"| {name} | {n} | {d} | {med(col[0]):.3f} | {med(col[2]):.4f} | {ratio(0, 2):.0f}× "
              f"| {us(med(col[1])):.2f} | {us(med(col[3])):.3f} | {ratio(1, 3):.1f}× ({lowest(1, 3):.1f}×) "
              f"| {us(med(col[4])):.3f} | {ratio(1, 4):.1f}× | {us(med(col[5])):.3f} | {ratio(1, 5):.1f}× |",
              flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
