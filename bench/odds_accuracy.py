#!/usr/bin/env python3
"""ODDS accuracy of detector-iforest next to scikit-learn's IsolationForest.

For each of the 13 ODDS sets and each seed, our detector runs through the real plugin
path — `nazarctl replay --format odds --fit-all` loads libdetector-iforest.so through
the PluginLoader and C ABI, feeds every row twice (learn from the first pass, config
`fit_rows` = n; write the scores of the second) — and scikit-learn's
IsolationForest(n_estimators=100, max_samples=256, random_state=seed) is fitted on the
same rows and scored with -score_samples, in the same run. Protocol of
datasets/bench_sklearn_iforest.py: unsupervised, fit on every row, score every row,
ROC-AUC and average precision against the label. Target: our mean AUC >= sklearn's
mean - 0.01 on every set.

Usage: swift build --product nazarctl --product detector-iforest
       python3 bench/odds_accuracy.py [--seeds 5] [--only breastw,http] [--build-dir DIR]
                                      [--stream splitmix64|scikit-learn]
Needs numpy, pandas, scikit-learn.
"""
import argparse
import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.environ.get("NAZAR_DATASETS", os.path.join(REPO, "..", "shared", "datasets"))
ORDER = ["breastw", "ionosphere", "pima", "arrhythmia", "cardio", "thyroid",
         "satellite", "annthyroid", "mammography", "shuttle", "smtp", "cover", "http"]


def build_dir():
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout.strip()
    return out


def ours(path, d, seed, bindir, stream):
    config = {"metrics": [f"f{i}" for i in range(d)], "step": "1s", "seed": seed, "persist": False,
              "random_stream": stream}
    cmd = [os.path.join(bindir, "nazarctl"), "replay", "--plugin", "detector-iforest", "--plugin-dir", bindir,
           "--no-strict-permissions", "--config-json", json.dumps(config), "--input", path,
           "--format", "odds", "--fit-all", "--output", "-"]
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    out = pd.read_csv(io.StringIO(r.stdout))
    if out["score"].isna().any():
        raise SystemExit(f"{path}: {int(out['score'].isna().sum())} rows without a score\n{r.stderr}")
    return out["label"].to_numpy(), out["score"].to_numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--build-dir", default="")
    ap.add_argument("--json", default="", help="also write the per-seed numbers here")
    ap.add_argument("--stream", default="splitmix64", choices=["splitmix64", "scikit-learn"],
                    help="the plugin's random_stream: scikit-learn grows, per seed, scikit-learn's own trees")
    a = ap.parse_args()
    bindir = a.build_dir or build_dir()
    names = [n for n in ORDER if not a.only or n in a.only.split(",")]
    print("| set | n | d | ours AUC mean ± sd | sklearn AUC mean ± sd | difference | ours AP | sklearn AP | ≥ sklearn − 0.01 |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|---|")
    results = []
    for name in names:
        path = os.path.join(DATASETS, "odds", f"{name}.csv")
        df = pd.read_csv(path)
        y = df.pop("label").to_numpy()
        X = df.to_numpy(dtype=np.float64)
        n, d = X.shape
        o_auc, o_ap, s_auc, s_ap = [], [], [], []
        for seed in range(a.seeds):
            labels, scores = ours(path, d, seed, bindir, a.stream)
            assert (labels == y).all(), "replay output is not aligned with the input rows"
            o_auc.append(roc_auc_score(y, scores))
            o_ap.append(average_precision_score(y, scores))
            clf = IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(X)
            s = -clf.score_samples(X)
            s_auc.append(roc_auc_score(y, s))
            s_ap.append(average_precision_score(y, s))
        diff = np.mean(o_auc) - np.mean(s_auc)
        ok = diff >= -0.01
        results.append(dict(set=name, n=n, d=d, ours_auc=o_auc, ours_ap=o_ap, sklearn_auc=s_auc, sklearn_ap=s_ap, passed=bool(ok)))
        print(f"| {name} | {n} | {d} | {np.mean(o_auc):.4f} ± {np.std(o_auc, ddof=1):.4f} | "
              f"{np.mean(s_auc):.4f} ± {np.std(s_auc, ddof=1):.4f} | {diff:+.4f} | {np.mean(o_ap):.4f} | "
              f"{np.mean(s_ap):.4f} | {'pass' if ok else 'FAIL'} |", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(seeds=a.seeds, rows=results), f, indent=1)
    failed = [r["set"] for r in results if not r["passed"]]
    print(f"\n{len(results) - len(failed)} of {len(results)} sets pass" + (f"; failing: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
