#!/usr/bin/env python3
"""Parameter search for detector-ewma on NAB v1.1, on a line-by-line Python mirror of the
plugin's per-point arithmetic (EWMAModel, AlarmDiscipline, anomalyScore), because a
grid of hundreds of configurations through `nazarctl replay` would take hours on this
machine. The chosen configuration is then measured through the real plugin by
bench/nab_score.py; only those numbers are reported as the plugin's.

Usage: python3 bench/nab_ewma_search.py [--quick]
"""
import argparse
import itertools
import math

import numpy as np

import nab_common as nc


def ewma_run(ts, x, alpha, k, clear_k, warmup, consecutive, rearm_ns, clip, sides="both", min_sd=0.0, mode="cooldown", reset_ns=0, lam=1.0):
    n = len(x)
    score = np.zeros(n)
    fire = np.zeros(n, bool)
    count, mean, var = 0, 0.0, 0.0
    run, firing, last_hot, last_fire = 0, False, 0, -(1 << 62)
    last_t = None
    for i in range(n):
        xi = x[i]
        t = ts[i]
        if last_t is not None:
            if t <= last_t:
                continue  # the plugin ignores points not newer than the last
            if reset_ns > 0 and t - last_t > reset_ns:  # gap: restart learning and the alarm state
                count, run, firing, last_fire = 0, 0, False, -(1 << 62)
        last_t = t
        if count == 0:
            count, mean, var, f = 1, xi, 0.0, xi
            continue
        warm = count >= warmup
        d = xi - mean
        s = max(math.sqrt(var), min_sd, abs(mean) * 1e-9)
        if s > 0:
            z = d / s
        else:
            z = 0.0 if d == 0 else math.copysign(math.inf, d)
        if lam < 1:  # EWMA control chart statistic; the one further out wins
            f += lam * (xi - f)
            sl = s * math.sqrt(lam / (2 - lam))
            zl = (f - mean) / sl if sl > 0 else (0.0 if f == mean else math.copysign(math.inf, f - mean))
            if abs(zl) > abs(z):
                z = zl
        step = d
        if clip > 0 and warm and s > 0:
            lim = clip * s
            step = min(max(d, -lim), lim)
        w = max(alpha, 1.0 / (count + 1))
        mean += w * step
        var = (1 - w) * (var + w * step * step)
        count += 1
        if not warm:
            continue
        dz = abs(z) if sides == "both" else (z if sides == "upper" else -z)
        if dz > 0:
            score[i] = 1.0 if math.isinf(dz) else dz * dz / (dz * dz + k * k)
        run = run + 1 if dz > k else 0
        if mode == "cooldown":
            # fire when armed; resolve when back inside clear_k; re-armed rearm after the last fire
            if not firing:
                if run >= consecutive and t - last_fire >= rearm_ns:
                    firing, last_fire = True, t
                    fire[i] = True
            elif dz <= clear_k:
                firing = False
            continue
        if not firing:
            if run >= consecutive:
                firing, last_hot = True, t
                fire[i] = True
        elif dz > clear_k:
            last_hot = t
        elif t - last_hot >= rearm_ns:
            firing, run = False, 0
    return score, fire


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--mode", default="cooldown")
    a = ap.parse_args()
    files = nc.load_corpus()
    import pandas as pd
    series = {}
    for rel, f in files.items():
        df = pd.read_csv(f"{nc.nab.NAB}/data/{rel}")
        series[rel] = (pd.to_datetime(df["timestamp"]).to_numpy().astype("datetime64[ns]").astype("int64"), df["value"].to_numpy(float))
    # The last grid run (earlier ones: alpha 0.01-0.1, k 3-8, clip 0/3/4/5, rearm 0.5h-72h,
    # consecutive 1-2, reset_after 0/1h/24h; see BENCHMARKS.md).
    grid = dict(alpha=[0.001, 0.002], k=[6.0, 7.0, 8.0], clear_k=[2.0], consecutive=[1],
                rearm_h=[12, 18, 24], clip=[0.0], reset_h=[24], smoothing=[1.0, 0.1, 0.2])
    if a.quick:
        grid = dict(alpha=[0.002], k=[7.0], clear_k=[2.0], consecutive=[1], rearm_h=[18], clip=[0.0], reset_h=[24],
                    smoothing=[1.0, 0.1])
    print("| alpha | k | clear_k | consecutive | rearm | clip | reset_after | smoothing | alerts | std | lowFP | lowFN |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for alpha, k, ck, cons, rh, clip, reset_h, lam in itertools.product(*grid.values()):
        if ck > k:
            continue
        fires, scores = {}, {}
        for rel, f in files.items():
            ts, x = series[rel]
            sc, fi = ewma_run(ts, x, alpha, k, ck, nc.probation(f), cons, int(rh * 3600e9), clip, mode=a.mode, reset_ns=int(reset_h * 3600e9), lam=lam)
            fires[rel], scores[rel] = fi, sc
        s = nc.score_alarms(files, fires)
        nal = sum(int((fires[r] & files[r].scorable).sum()) for r in files)
        print(f"| {alpha} | {k} | {ck} | {cons} | {rh}h | {clip} | {reset_h}h | {lam} | {nal} | {s['standard']:.1f} | "
              f"{s['reward_low_FP_rate']:.1f} | {s['reward_low_FN_rate']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
