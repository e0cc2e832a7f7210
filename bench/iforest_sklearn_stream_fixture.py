#!/usr/bin/env python3
"""Prints the scikit-learn scores that Tests/DetectorIForestTests/ScikitLearnStreamTests.swift
pins: IsolationForest(n_estimators=100, max_samples=256, random_state=seed) on synthetic
matrices both sides generate from the same integer formula (exact in float32), one per
path of scikit-learn's subsampling (reservoir n=257, permutation n=600, tracking
selection n=30000), with a constant and a low-cardinality column. Rerun after a
scikit-learn upgrade; the test states the version.

    python3 bench/iforest_sklearn_stream_fixture.py
"""
import numpy as np, sklearn
from sklearn.ensemble import IsolationForest

def matrix(n, d):
    X = np.zeros((n, d), dtype=np.float64)
    for i in range(n):
        for j in range(d):
            if j == 2:
                v = 5.0                      # constant
            elif j == 3:
                v = float(i % 3)             # three values
            else:
                v = (((i * 2654435761 + j * 40503) >> 7) % 1000) / 8.0
            if j == 0 and i % 97 == 0:
                v += 500.0                   # a few far rows
            X[i, j] = v
    return X

print(f"// scikit-learn {sklearn.__version__}, numpy {np.__version__}")
for n, d, seed in [(257, 4, 0), (600, 4, 3), (30000, 4, 11)]:
    X = matrix(n, d)
    s = -IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(X).score_samples(X)
    first = ", ".join(f"{v:.12f}" for v in s[:6])
    print(f"(rows: {n}, features: {d}, seed: {seed}, first: [{first}], sum: {s.sum():.9f}),")
