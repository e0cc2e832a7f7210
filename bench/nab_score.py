#!/usr/bin/env python3
"""NAB v1.1 score of Nazar's detectors, measured through the real plugins.

For every one of NAB's 58 series and every detector configuration below, runs

    nazarctl replay --plugin NAME --plugin-dir DIR (--instance FILE | --config-json JSON)
                    --input nab/data/<file> --format nab --metric M --output <csv>

(one detector instance per series, fed row by row through the C ABI), reads back the
per-row `score` (max anomaly.score published for the row) and `alert` (1 if an alert
fired in the row) and scores them with the NAB scorer re-implemented in
../shared/datasets/nab_ewma_baseline.py (imported via nab_common, not copied):

  * "alerts": the detector's own alert flags, exactly as shipped — what an operator gets;
  * "score, tuned": NAB's own protocol — one threshold on the score column per detector
    and profile, chosen over the whole corpus to maximise that profile's score.

Configurations (the detectors' shipped defaults unless named otherwise):
  ewma            detector-ewma, every parameter at its default; rule metric = "value";
                  warmup = NAB's probationary period of the file (the points NAB does not
                  score), as a detector learning a new series would be configured
  ewma-points     the same with smoothing = 1 (point z only, no control-chart statistic)
  threshold       detector-threshold with etc/nazar/plugins.d/detector-threshold.toml as
                  shipped, each NAB series replayed as metric cpu.total
  context         detector-context (CAD OSE) with its shipped defaults: the value range is
                  learned from the warm-up (= NAB's probationary period, as for ewma) and
                  then fixed, widened by half its width on each side (range_margin 0.5);
                  rest = warm-up / 5 (its default)
  context-margin-0, context-margin-1
                  the same with the learned range as it is / widened by its width on
                  each side (range_margin)
  context-nab     detector-context run as NAB ran CAD OSE: min/max = the file's own
                  extremes (NAB's inputMin/inputMax, known up front), rest = floor(0.15 n) / 5
                  points (NAB's probationaryPeriod / 5); warm-up as above

Usage: python3 bench/nab_score.py [--nazarctl PATH] [--plugin-dir DIR] [--only NAME,...] [--jobs N]
"""
import argparse
import concurrent.futures as cf
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import nab_common as nc

REPO = nc.REPO


def configs(only):
    out = {
        "ewma": dict(plugin="detector-ewma", metric="value", rule={}),
        "ewma-points": dict(plugin="detector-ewma", metric="value", rule={"smoothing": 1}),
        "threshold": dict(plugin="detector-threshold", metric="cpu.total",
                          instance=os.path.join(REPO, "etc/nazar/plugins.d/detector-threshold.toml")),
        "context": dict(plugin="detector-context", metric="value", rule={}),
        "context-margin-0": dict(plugin="detector-context", metric="value", rule={"range_margin": 0}),
        "context-margin-1": dict(plugin="detector-context", metric="value", rule={"range_margin": 1}),
        "context-nab": dict(plugin="detector-context", metric="value", rule={}, per_file=nab_given_range),
    }
    return {k: v for k, v in out.items() if not only or k in only}


def nab_given_range(f):
    """What NAB's context_ose_detector.py hands CAD OSE: the series' min and max over the
    whole file, and restPeriod = probationaryPeriod / 5 with probationaryPeriod =
    floor(0.15 n) (not capped at 750 there); cad_ose.py uses int() of it."""
    lo, hi = float(f.values.min()), float(f.values.max())
    rest = {"rest": max(1, int(math.floor(0.15 * f.n) / 5.0))}
    # art_flatline is constant: the plugin refuses min == max, so it learns that range
    # (centred on the value; a constant is predicted perfectly either way).
    return rest | ({"min": lo, "max": hi} if hi > lo else {})


def lf_copy(src, outdir):
    """NAB's realAdExchange files end lines with CRLF, which nazarctl replay (as of this
    writing) rejects as one long row; replay an LF copy of those (same bytes otherwise)."""
    with open(src, "rb") as fh:
        data = fh.read()
    if b"\r" not in data:
        return src
    dst = os.path.join(outdir, "lf__" + os.path.basename(src))
    with open(dst, "wb") as fh:
        fh.write(data.replace(b"\r\n", b"\n"))
    return dst


def replay(nazarctl, plugin_dir, cfg, rel, f, outdir):
    src = lf_copy(os.path.join(nc.nab.NAB, "data", rel), outdir)
    out = os.path.join(outdir, rel.replace("/", "__"))
    cmd = [nazarctl, "replay", "--plugin", cfg["plugin"], "--plugin-dir", plugin_dir, "--input", src,
           "--format", "nab", "--metric", cfg["metric"], "--output", out]
    if "instance" in cfg:
        cmd += ["--instance", cfg["instance"]]
    else:
        rule = {"name": "nab", "metric": cfg["metric"], "warmup": max(2, nc.probation(f))} | cfg["rule"]
        if "per_file" in cfg:
            rule |= cfg["per_file"](f)
        cmd += ["--config-json", json.dumps({"rules": [rule]})]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\nexit {p.returncode}: {p.stderr.strip()[:2000]}")
    df = pd.read_csv(out)
    if len(df) != f.n:
        raise RuntimeError(f"{rel}: replay wrote {len(df)} rows for {f.n} input rows")
    bad = p.stderr.count("\n") if p.stderr else 0
    return rel, df["score"].to_numpy(float), df["alert"].fillna(0).to_numpy(int) == 1, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nazarctl", default=os.path.join(REPO, ".build/release/nazarctl"))
    ap.add_argument("--plugin-dir", default=os.path.join(REPO, ".build/release"))
    ap.add_argument("--only", default="")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    files = nc.load_corpus()
    rows = []
    for name, cfg in configs(set(filter(None, a.only.split(",")))).items():
        t0 = time.time()
        scores, alerts = {}, {}
        with tempfile.TemporaryDirectory() as outdir, cf.ThreadPoolExecutor(a.jobs) as pool:
            futures = [pool.submit(replay, a.nazarctl, a.plugin_dir, cfg, rel, f, outdir) for rel, f in files.items()]
            for fut in futures:
                rel, sc, al, _ = fut.result()
                scores[rel], alerts[rel] = sc, al
        elapsed = time.time() - t0
        flag = nc.score_alarms(files, alerts)
        n_alerts = sum(int((alerts[r] & files[r].scorable).sum()) for r in files)
        has_scores = any(np.isfinite(s).any() for s in scores.values())
        tuned = nc.best_threshold(files, scores) if has_scores else None
        rows.append((name, n_alerts, flag, tuned, elapsed))
        print(f"{name}: {n_alerts} alerts in scored rows, {elapsed:.0f} s", file=sys.stderr, flush=True)

    print("| configuration | NAB input | alerts (scored rows) | alerts: standard | low FP | low FN "
          "| score, tuned: standard (threshold) | low FP | low FN |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for name, n, flag, tuned, _ in rows:
        t = (" | ".join(f"{tuned[p][0]:.1f} ({tuned[p][1]:.3g})" for p in nc.PROFILES)) if tuned else "– | – | –"
        print(f"| {name} | 58 series | {n} | " + " | ".join(f"{flag[p]:.1f}" for p in nc.PROFILES) + f" | {t} |")


if __name__ == "__main__":
    main()
