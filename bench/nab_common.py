"""NAB scoring helpers shared by bench/nab_score.py and bench/nab_ewma_search.py.

Scoring itself is nab_ewma_baseline.py's re-implementation of the NAB scorer (imported,
not copied): NabFile.nab_raw per file, normalise over the corpus.
"""
import math
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.environ.get("NAZAR_DATASETS", os.path.join(REPO, "..", "shared", "datasets"))
if not os.path.isdir(DATASETS):
    DATASETS = "/work/shared/datasets"
sys.path.insert(0, DATASETS)

import nab_ewma_baseline as nab  # noqa: E402

PROFILES = list(nab.PROFILES)


def load_corpus():
    return nab.load_corpus()


def probation(f):
    """NAB's probationary period of a file, in points."""
    return int(f.prob_len)


def score_alarms(files, alarms):
    """NAB score per profile of boolean alarm vectors {rel: ndarray[bool]}."""
    return {p: nab.normalise(files, {r: files[r].nab_raw(alarms[r], p) for r in files}, p) for p in PROFILES}


def candidate_thresholds(scores, count=60):
    """Thresholds worth trying on a score column: quantiles of the scored values,
    dense in the upper tail where NAB's optimum lies."""
    allv = np.concatenate([s[np.isfinite(s)] for s in scores.values()])
    qs = 1.0 - np.logspace(-5, -0.3, count)
    return sorted(set(float(x) for x in np.quantile(allv, qs)))


def best_threshold(files, scores, thresholds=None):
    """NAB's per-detector, per-profile threshold optimisation over the corpus:
    returns {profile: (best score, threshold)}."""
    thresholds = thresholds or candidate_thresholds(scores)
    best = {p: (-math.inf, None) for p in PROFILES}
    for thr in thresholds:
        al = {r: np.nan_to_num(scores[r], nan=-1.0) >= thr for r in files}
        s = score_alarms(files, al)
        for p in PROFILES:
            if s[p] > best[p][0]:
                best[p] = (s[p], thr)
    return best
