#!/usr/bin/env python3
"""Is there a semantic difference between our Isolation Forest and scikit-learn's, or is
an AUC gap on one ODDS set seed noise? Four checks on one set (default cardio):

1. scikit-learn grows the same tree whether a subsample is passed as rows or as 0/1
   sample weights (what its bagging does): node counts, features, thresholds equal.
2. Its score_samples equals depth + c(n_leaf) recomputed from the fitted trees.
3. Big forests (default 10 × 1000 trees), whose AUC has little tree noise:
   ours (bench/iforest-bench, the same core as the plugin), scikit-learn's tree builder
   (ExtraTreeRegressor, max_features=1, random splitter, max_depth 8) on uniform
   256-row subsamples drawn here — that is, our semantics with their tree code — and
   scikit-learn's IsolationForest on two disjoint sets of seeds.
If ours matches "their trees on our subsamples" while their IsolationForest moves with
the seed set by as much as the gap, the gap is noise, not semantics.

Usage: swift build -c release --product iforest-bench
       python3 bench/iforest_semantics_check.py [--set cardio] [--trees 1000] [--forests 10]
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length
from sklearn.metrics import roc_auc_score
from sklearn.tree import ExtraTreeRegressor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.environ.get("NAZAR_DATASETS", os.path.join(REPO, "..", "shared", "datasets"))


def mean_se(xs):
    xs = np.asarray(xs)
    return f"{xs.mean():.4f} ± {xs.std(ddof=1) / np.sqrt(len(xs)):.4f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="cardio")
    ap.add_argument("--trees", type=int, default=1000)
    ap.add_argument("--forests", type=int, default=10)
    a = ap.parse_args()
    path = os.path.join(DATASETS, "odds", f"{a.set}.csv")
    df = pd.read_csv(path)
    y = df.pop("label").to_numpy()
    X64 = df.to_numpy(np.float64)
    X = X64.astype(np.float32)
    n = len(X)
    psi = min(256, n)
    depth = int(np.ceil(np.log2(max(psi, 2))))

    rng = np.random.default_rng(0)
    same = 0
    for k in range(20):
        idx = np.sort(rng.choice(n, psi, replace=False))
        w = np.zeros(n)
        w[idx] = 1
        target = rng.uniform(size=n)
        t1 = ExtraTreeRegressor(max_features=1, splitter="random", max_depth=depth, random_state=k).fit(X[idx], target[idx]).tree_
        t2 = ExtraTreeRegressor(max_features=1, splitter="random", max_depth=depth, random_state=k).fit(X, target, sample_weight=w).tree_
        same += t1.node_count == t2.node_count and np.array_equal(t1.feature, t2.feature) and np.array_equal(t1.threshold, t2.threshold)
    print(f"1. rows vs 0/1 weights: {same} of 20 trees identical")

    clf = IsolationForest(n_estimators=50, max_samples=psi, random_state=0).fit(X64)
    h = np.zeros(n)
    for tree in clf.estimators_:
        leaves = tree.apply(X)
        h += tree.tree_.compute_node_depths()[leaves] - 1 + _average_path_length(tree.tree_.n_node_samples)[leaves]
    h /= len(clf.estimators_)
    recomputed = -np.log2(-clf.score_samples(X64)) * _average_path_length([psi])[0]
    print(f"2. score_samples vs depth + c(n_leaf): max |difference| of mean path {np.abs(h - recomputed).max():.1e}")

    with tempfile.NamedTemporaryFile(suffix=".csv") as out:
        subprocess.run([os.path.join(REPO, ".build/release/iforest-bench"), path, "--seeds", str(a.forests),
                        "--trees", str(a.trees), "--scores-out", out.name], check=True, capture_output=True)
        ours = np.loadtxt(out.name, delimiter=",").reshape(n, -1)
    ours_auc = [roc_auc_score(y, ours[:, i]) for i in range(ours.shape[1])]

    theirs_trees = []
    for f in range(a.forests):
        r = np.random.default_rng(1000 + f)
        hf = np.zeros(n)
        for _ in range(a.trees):
            idx = r.choice(n, psi, replace=False)
            tree = ExtraTreeRegressor(max_features=1, splitter="random", max_depth=depth,
                                      random_state=int(r.integers(1 << 31))).fit(X[idx], r.uniform(size=psi))
            leaves = tree.apply(X)
            hf += tree.tree_.compute_node_depths()[leaves] - 1 + _average_path_length(tree.tree_.n_node_samples)[leaves]
        theirs_trees.append(roc_auc_score(y, -hf))  # a shorter path is more anomalous

    def iforest(seeds):
        return [roc_auc_score(y, -IsolationForest(n_estimators=a.trees, max_samples=psi, random_state=s).fit(X64).score_samples(X64))
                for s in seeds]

    print(f"3. {a.set}, {a.forests} forests × {a.trees} trees, ROC-AUC mean ± s.e.:")
    print(f"   ours (iforest-bench, seeds 0..{a.forests - 1})                      {mean_se(ours_auc)}")
    print(f"   scikit-learn trees on uniform subsamples drawn here          {mean_se(theirs_trees)}")
    print(f"   scikit-learn IsolationForest, seeds 0..{a.forests - 1}                 {mean_se(iforest(range(a.forests)))}")
    print(f"   scikit-learn IsolationForest, seeds {a.forests}..{2 * a.forests - 1}                {mean_se(iforest(range(a.forests, 2 * a.forests)))}")


if __name__ == "__main__":
    main()
