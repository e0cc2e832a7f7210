#!/usr/bin/env python3
"""Alarm rules tried on top of detector-ewma's z for NAB v1.1 (BENCHMARKS.md, "what was
tried"), on a Python mirror of the plugin's per-point arithmetic (the role of
bench/nab_ewma_search.py: a grid through `nazarctl replay` would take hours). None beat
the shipped rule by more than search noise, so none became a plugin option; a winner
would have been implemented in the plugin and measured by bench/nab_score.py.

Variants (each through the shipped alarm discipline: fire once, resolve at clear_k,
re-arm after `rearm`; z from the shipped model: alpha 0.002, smoothing 0.1 or 1):

  likelihood   Numenta's "anomaly likelihood" (Ahmad et al. 2017; nupic
               anomaly_likelihood.py) on the EWMA z: r = min(|z|, cap) averaged over the
               last W points, judged against that average's own long-run EWMA mean and
               variance (weight alpha_l, variance floor min_var); alarm when the Gaussian
               tail probability drops below `tail`. A priori: W 10, tail 1e-5 (Numenta's
               0.99999), alpha_l 0.001; searched: the `--grid full` values.
  peak         per-series adaptive threshold: fire when z > max(k, beta · P), P the
               running peak of the series' own past warm |z| (capped), decaying with a
               time constant of `decay` points; alerting points do not raise P.
  alert-count  k + delta · A, A the series' count of past alerts decaying with a
               half-life in days: a series that keeps alerting needs a larger surprise.
  rearm-backoff
               the re-arm time multiplied by factor^A (A as in alert-count, capped at 16×):
               a series that keeps alerting is silenced for longer.
  robust       z from a sliding median and IQR/1.349 of the last W values (pandas
               rolling, the previous W points), alone or as a gate on the EWMA z.
  spectral-residual
               Ren et al. 2019 (Microsoft's SR): per point, the last W values extended
               by m = 5 extrapolated points, saliency = |IFFT(exp(log A − mean_q(log A) +
               i·phase))| at the current point, score = (S − mean of the previous 21 S) /
               that mean; alarm at score > tau (the paper's a priori W 64, q 3, z 21).

Usage: python3 bench/nab_variants_search.py --variant NAME [--grid small|full]
"""
import argparse
import itertools
import math

import numpy as np
import pandas as pd

import nab_common as nc


def z_series(ts, x, alpha, warmup, lam):
    """The plugin's directed z per point (sides = both) and whether the model was warm;
    reset_after = 24h as shipped."""
    n = len(x)
    zs = np.zeros(n)
    warm = np.zeros(n, bool)
    valid = np.zeros(n, bool)
    count, mean, var, f = 0, 0.0, 0.0, 0.0
    last_t = None
    reset_ns = int(24 * 3600e9)
    for i in range(n):
        xi, t = x[i], ts[i]
        if last_t is not None:
            if t <= last_t:
                continue
            if t - last_t > reset_ns:
                count = 0
        last_t = t
        if count == 0:
            count, mean, var, f = 1, xi, 0.0, xi
            valid[i] = True  # z = 0 for the first point
            continue
        w_ = count >= warmup
        d = xi - mean
        s = max(math.sqrt(var), abs(mean) * 1e-9)
        z = d / s if s > 0 else (0.0 if d == 0 else math.copysign(math.inf, d))
        if lam < 1:
            f += lam * (xi - f)
            sl = s * math.sqrt(lam / (2 - lam))
            zl = (f - mean) / sl if sl > 0 else (0.0 if f == mean else math.copysign(math.inf, f - mean))
            if abs(zl) > abs(z):
                z = zl
        w = max(alpha, 1.0 / (count + 1))
        mean += w * d
        var = (1 - w) * (var + w * d * d)
        count += 1
        zs[i] = abs(z)
        warm[i] = w_
        valid[i] = True
    return zs, warm, valid


def likelihood_run(ts, zs, warm, valid, cap, window, alpha_l, tail, clear_tail, rearm_ns, min_mean, min_var):
    n = len(zs)
    fire = np.zeros(n, bool)
    score = np.zeros(n)
    ring = [0.0] * window
    filled, head, total = 0, 0, 0.0
    cnt, mu, var = 0, 0.0, 0.0
    firing, last_fire = False, -(1 << 62)
    z_fire = -math.log(tail)  # compare in the log domain
    z_clear = -math.log(clear_tail)
    for i in range(n):
        if not valid[i]:
            continue
        r = min(zs[i], cap)
        if filled == window:
            total -= ring[head]
        else:
            filled += 1
        ring[head] = r
        head = (head + 1) % window
        total += r
        a = total / filled
        # judge a against the long-run statistics before folding it in
        m = max(mu, min_mean)
        sd = math.sqrt(max(var, min_var))
        u = (a - m) / sd
        q = 0.5 * math.erfc(u / math.sqrt(2))
        surprise = -math.log(max(q, 1e-300))
        w = max(alpha_l, 1.0 / (cnt + 1))
        d = a - mu
        mu += w * d
        var = (1 - w) * (var + w * d * d)
        cnt += 1
        if not warm[i]:
            continue
        score[i] = surprise / (surprise + z_fire)
        t = ts[i]
        if not firing:
            if surprise > z_fire and t - last_fire >= rearm_ns:
                firing, last_fire = True, t
                fire[i] = True
        elif surprise <= z_clear:
            firing = False
    return score, fire


def peak_run(ts, zs, warm, valid, k, clear_k, rearm_ns, beta, decay_pts, cap):
    n = len(zs)
    fire = np.zeros(n, bool)
    peak, firing, last_fire = 0.0, False, -(1 << 62)
    dec = math.exp(-1.0 / decay_pts) if decay_pts > 0 else 1.0
    for i in range(n):
        if not valid[i] or not warm[i]:
            continue
        z, t = zs[i], ts[i]
        if not firing:
            if z > max(k, beta * peak) and t - last_fire >= rearm_ns:
                firing, last_fire = True, t
                fire[i] = True
        elif z <= clear_k:
            firing = False
        peak = peak * dec if fire[i] else max(peak * dec, min(z, cap))
    return fire


def adaptive_run(ts, zs, warm, valid, k, clear_k, rearm_ns, half_life_ns, delta=0.0, factor=1.0, cap=16.0):
    """The shipped discipline with A, the series' past alerts decaying with `half_life_ns`:
    fire at z > k + delta·A (alert-count), re-arm after rearm · min(factor^A, cap)
    (rearm-backoff)."""
    n = len(zs)
    fire = np.zeros(n, bool)
    firing, last_fire, level, lt = False, -(1 << 62), 0.0, None
    for i in range(n):
        if not valid[i] or not warm[i]:
            continue
        z, t = zs[i], ts[i]
        if lt is not None:
            level *= 2.0 ** (-(t - lt) / half_life_ns)
        lt = t
        if not firing:
            if z > k + delta * level and t - last_fire >= rearm_ns * min(factor ** level, cap):
                firing, last_fire = True, t
                fire[i] = True
                level += 1
        elif z <= clear_k:
            firing = False
    return fire


def gate_run(ts, z_fire, z_gate, warm, valid, k, k_gate, clear_k, rearm_ns):
    n = len(z_fire)
    fire = np.zeros(n, bool)
    firing, last_fire = False, -(1 << 62)
    for i in range(n):
        if not valid[i] or not warm[i]:
            continue
        t = ts[i]
        if not firing:
            if z_fire[i] > k and z_gate[i] > k_gate and t - last_fire >= rearm_ns:
                firing, last_fire = True, t
                fire[i] = True
        elif z_fire[i] <= clear_k:
            firing = False
    return fire


def robust_z(x, window):
    s = pd.Series(x)
    roll = s.rolling(window, min_periods=20)
    med, q1, q3 = roll.median().shift(1), roll.quantile(0.25).shift(1), roll.quantile(0.75).shift(1)
    scale = ((q3 - q1) / 1.349).to_numpy()
    d = (s - med).to_numpy()
    with np.errstate(all="ignore"):
        z = np.where(scale > 0, d / np.where(scale > 0, scale, 1), np.where(d == 0, 0, np.inf))
    return np.nan_to_num(np.abs(z), nan=0.0)


def spectral_residual(x, window=64, m=5, q=3, z=21):
    n = len(x)
    out = np.zeros(n)
    if n < window + z:
        return out
    win = np.lib.stride_tricks.sliding_window_view(x, window).astype(float)
    slope = np.mean([(win[:, -1] - win[:, -1 - j]) / j for j in range(1, m + 1)], axis=0)
    ext = np.concatenate([win, win[:, [-m]] + slope[:, None] * m * np.ones((1, m))], axis=1)
    spectrum = np.fft.fft(ext, axis=1)
    log_amplitude = np.log(np.abs(spectrum) + 1e-8)
    kernel = np.ones(q) / q
    smoothed = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), 1, log_amplitude)
    saliency = np.zeros(n)
    saliency[window - 1:] = np.abs(np.fft.ifft(np.exp(log_amplitude - smoothed + 1j * np.angle(spectrum)), axis=1))[:, window - 1]
    for i in range(window - 1 + z, n):
        mu = saliency[i - z:i].mean()
        out[i] = (saliency[i] - mu) / mu if mu > 0 else 0.0
    return out


GRIDS = {
    "likelihood": (dict(alpha=[0.002], lam=[1.0, 0.1], cap=[10.0], window=[10], alpha_l=[0.001, 0.01],
                        tail=[1e-5], clear_tail=[0.1], rearm_h=[18], min_mean=[0.0], min_var=[0.01]),
                   dict(alpha=[0.002], lam=[1.0], cap=[5.0, 10.0, 20.0], window=[5, 10, 20],
                        alpha_l=[0.001, 0.01], tail=[1e-4, 1e-5, 1e-6], clear_tail=[0.1], rearm_h=[18],
                        min_mean=[0.0], min_var=[0.01, 0.1])),
    "peak": (dict(k=[7.0], beta=[1.0], decay=[500], cap=[20.0], rearm_h=[18]),
             dict(k=[6.0, 7.0], beta=[0.6, 0.8, 1.0], decay=[500, 2000], cap=[10.0, 20.0], rearm_h=[18])),
    "alert-count": (dict(k=[6.0], delta=[1.0], half_life_d=[7], rearm_h=[18]),
                    dict(k=[5.0, 6.0, 7.0], delta=[0.5, 1.0, 2.0], half_life_d=[2, 7], rearm_h=[6, 18])),
    "rearm-backoff": (dict(k=[7.0], factor=[2.0], half_life_d=[3], rearm_h=[6]),
                      dict(k=[6.0, 7.0], factor=[2.0, 3.0], half_life_d=[3, 7], rearm_h=[6, 12, 18])),
    "spectral-residual": (dict(tau=[3.0], rearm_h=[18]),
                          dict(tau=[1.0, 2.0, 3.0, 5.0, 8.0], rearm_h=[6, 18])),
    "robust": (dict(window=[288], k=[0.0], k_robust=[10.0], rearm_h=[18]),
               dict(window=[288, 1000], k=[0.0, 5.0, 7.0], k_robust=[3.0, 5.0, 6.0, 8.0, 10.0, 15.0], rearm_h=[18])),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", default="likelihood", choices=sorted(GRIDS))
    ap.add_argument("--grid", default="small", choices=["small", "full"])
    a = ap.parse_args()
    files = nc.load_corpus()
    series = {}
    for rel, f in files.items():
        df = pd.read_csv(f"{nc.nab.NAB}/data/{rel}")
        series[rel] = (pd.to_datetime(df["timestamp"]).to_numpy().astype("datetime64[ns]").astype("int64"),
                       df["value"].to_numpy(float))
    grid = GRIDS[a.variant][1 if a.grid == "full" else 0]
    print("| " + " | ".join(grid) + " | alerts | std | lowFP | lowFN |")
    print("|" + "--:|" * (len(grid) + 4))
    zcache = {}

    def z_of(rel, f, alpha=0.002, lam=0.1):
        key = (rel, alpha, lam)
        if key not in zcache:
            zcache[key] = z_series(*series[rel], alpha, nc.probation(f), lam)
        return zcache[key]

    for combo in itertools.product(*grid.values()):
        p = dict(zip(grid, combo))
        fires = {}
        for rel, f in files.items():
            ts = series[rel][0]
            if a.variant == "likelihood":
                zs, warm, valid = z_of(rel, f, p["alpha"], p["lam"])
                _, fires[rel] = likelihood_run(ts, zs, warm, valid, p["cap"], p["window"], p["alpha_l"], p["tail"],
                                               p["clear_tail"], int(p["rearm_h"] * 3600e9), p["min_mean"], p["min_var"])
                continue
            zs, warm, valid = z_of(rel, f)
            rearm = int(p["rearm_h"] * 3600e9)
            if a.variant == "peak":
                fires[rel] = peak_run(ts, zs, warm, valid, p["k"], 2.0, rearm, p["beta"], p["decay"], p["cap"])
            elif a.variant == "spectral-residual":
                if rel not in zcache:
                    zcache[rel] = spectral_residual(series[rel][1])
                sr = zcache[rel]
                warm_sr = np.arange(len(sr)) >= nc.probation(f)
                fires[rel] = gate_run(ts, sr, sr, warm_sr, np.ones(len(sr), bool), p["tau"], -np.inf, 0.5, rearm)
            elif a.variant == "rearm-backoff":
                fires[rel] = adaptive_run(ts, zs, warm, valid, p["k"], 2.0, rearm, p["half_life_d"] * 86400e9,
                                          factor=p["factor"])
            elif a.variant == "alert-count":
                fires[rel] = adaptive_run(ts, zs, warm, valid, p["k"], 2.0, rearm, p["half_life_d"] * 86400e9,
                                          delta=p["delta"])
            else:
                zr = robust_z(series[rel][1], p["window"])
                if p["k"] == 0:  # the robust z alone
                    fires[rel] = gate_run(ts, zr, zr, warm, valid, p["k_robust"], 0.0, 2.0, rearm)
                else:
                    fires[rel] = gate_run(ts, zs, zr, warm, valid, p["k"], p["k_robust"], 2.0, rearm)
        s = nc.score_alarms(files, fires)
        nal = sum(int((fires[r] & files[r].scorable).sum()) for r in files)
        print("| " + " | ".join(str(v) for v in combo) + f" | {nal} | {s['standard']:.1f} | "
              f"{s['reward_low_FP_rate']:.1f} | {s['reward_low_FN_rate']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
