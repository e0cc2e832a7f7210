#!/usr/bin/env python3
"""Checks that `stream = scikit-learn` grows scikit-learn's own forest.

For each ODDS set and seed, fits our Isolation Forest with the scikit-learn random
stream (`iforest-bench --stream scikit-learn`, the PluginKit core the plugin runs) and
scikit-learn 1.9's IsolationForest(n_estimators=100, max_samples=256, random_state=seed)
on the same rows, and compares the scores row by row: ours s(x) against
-score_samples(x). Same trees give the same scores up to float32 rounding of the stored
path lengths (≈1e-7); a different tree anywhere shows as a difference of 1e-3 or more.
Also prints both ROC-AUCs.

    swift build -c release --product iforest-bench
    python3 bench/iforest_sklearn_stream_check.py [--seeds 5] [--only breastw,cardio]

Needs numpy, pandas and scikit-learn 1.9.x (pip install scikit-learn pandas).
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np, pandas as pd
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.environ.get("NAZAR_DATASETS", os.path.join(ROOT, "..", "shared", "datasets"))
SETS = ["breastw", "ionosphere", "pima", "arrhythmia", "cardio", "thyroid", "satellite",
        "annthyroid", "mammography", "shuttle", "smtp", "cover", "http"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--bench", default=os.path.join(ROOT, ".build", "release", "iforest-bench"))
    a = ap.parse_args()
    sets = a.only.split(",") if a.only else SETS
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    print("| set | n | d | seeds | max abs score difference | ours AUC mean | sklearn AUC mean | difference |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    worst = 0.0
    for name in sets:
        path = os.path.join(DATA, "odds", f"{name}.csv")
        df = pd.read_csv(path)
        X = df.iloc[:, :-1].to_numpy(); y = df.iloc[:, -1].to_numpy()
        with tempfile.NamedTemporaryFile(suffix=".csv") as out:
            subprocess.run([a.bench, path, "--seeds", str(a.seeds), "--stream", "scikit-learn",
                            "--scores-out", out.name], check=True, stdout=subprocess.DEVNULL)
            ours = np.loadtxt(out.name, delimiter=",", ndmin=2)
        diff = 0.0; auc_o = []; auc_s = []
        for seed in range(a.seeds):
            ref = -IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(X).score_samples(X)
            diff = max(diff, float(np.max(np.abs(ours[:, seed] - ref))))
            auc_o.append(roc_auc_score(y, ours[:, seed])); auc_s.append(roc_auc_score(y, ref))
        worst = max(worst, diff)
        print(f"| {name} | {len(y)} | {X.shape[1]} | {a.seeds} | {diff:.1e} | {np.mean(auc_o):.4f} | {np.mean(auc_s):.4f} | {np.mean(auc_o) - np.mean(auc_s):+.4f} |", flush=True)
    print(f"\nworst score difference: {worst:.1e}")
    sys.exit(0 if worst < 1e-5 else 1)

if __name__ == "__main__":
    main()
