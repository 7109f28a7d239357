"""Judges both sides of the parity run with one W2: exact, POT's emd2 (network simplex) on
squared Euclidean costs, n = 1000 samples of each CSV against fresh target draws.

Draw d of every row (both sides, each NFE) is judged against the same target draw d (seed
2,000,000 + d), and the floor of draw d is the W2 between that draw and an independent one
(seed 3,000,000 + d). Each figure is the mean over the draws ± its standard error
(sd / sqrt(draws)). A row is "within noise" when the two sides differ by less than twice their
combined standard error sqrt(SE1² + SE2²). Also checks that nsgf's presets and the peer's
samplers are the same distributions: W2 between `nsgf data PRESET` and the peer's sampler,
against the floor.

Usage: python scripts/peer/judge.py --runs /tmp/parity --nsgf target/release/nsgf
Prints a Markdown table; writes judged.json beside the runs.
"""

import argparse
import json
import math
import os
import subprocess
from collections import defaultdict

import numpy as np
import ot
import torch

from targets import NSGF_PRESET, TORCHCFM_SAMPLERS, sample

TARGET_SEED = 2_000_000
FLOOR_SEED = 3_000_000


def w2(x, y):
    """Exact W2 between two equal-size clouds with uniform weights."""
    costs = ot.dist(x, y)  # squared Euclidean
    weights = np.full(len(x), 1.0 / len(x))
    return math.sqrt(ot.emd2(weights, weights, costs, numItermax=10**8))


def mean_se(values):
    values = np.asarray(values)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def pooled(seed_figures):
    """Seeds pooled as nsgf pools them (`metrics::stats`): the mean of the seeds' means; its SE
    the larger of the seed means' sd / sqrt(k) and the draws' own sqrt(sum SE_i^2) / k; and the
    seeds' sd."""
    means = np.array([m for m, _ in seed_figures])
    ses = np.array([s for _, s in seed_figures])
    k = len(means)
    spread = float(means.std(ddof=1)) if k > 1 else 0.0
    se = max(spread / math.sqrt(k), float(math.sqrt((ses ** 2).sum()) / k))
    return float(means.mean()), se, spread


def print_pooled(rows):
    """The rows of every (target, method, NFE) judged on two or more training seeds, pooled."""
    groups = defaultdict(list)
    for row in rows:
        groups[(row["target"], row["method"], row["nfe"])].append(row)
    groups = {key: group for key, group in groups.items() if len(group) > 1}
    if not groups:
        return
    print("\nPooled over training seeds (mean of the seeds' means ± SE; seed sd):\n")
    print("| target | method | NFE | seeds | TorchCFM W2 | nsgf W2 | nsgf − TorchCFM | parity "
          "| TorchCFM training CPU s | nsgf training CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (t, method, nfe), group in groups.items():
        peer = pooled([tuple(r["peer"]) for r in group])
        ours = pooled([tuple(r["nsgf"]) for r in group])
        diff = ours[0] - peer[0]
        combined = math.hypot(ours[1], peer[1])
        verdict = "within noise" if abs(diff) < 2 * combined else (
            "nsgf better, beyond noise" if diff < 0 else "nsgf worse, beyond noise")
        seeds = ",".join(str(r["seed"]) for r in group)
        peer_s = np.mean([r["peer_train_cpu_seconds"] or float("nan") for r in group])
        ours_s = np.mean([r["nsgf_train_cpu_seconds"] or float("nan") for r in group])
        print(f"| {t} | {method} | {nfe} | {seeds} "
              f"| {peer[0]:.3f} ± {peer[1]:.3f} (sd {peer[2]:.3f}) "
              f"| {ours[0]:.3f} ± {ours[1]:.3f} (sd {ours[2]:.3f}) "
              f"| {diff:+.3f} ({diff / combined:+.1f} SE) | {verdict} "
              f"| {peer_s:.0f} | {ours_s:.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", required=True, help="the driver's --out folder")
    parser.add_argument("--nsgf", required=True, help="the nsgf binary (for the target check)")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--out", default="judged", help="name of the JSON written beside the runs")
    parser.add_argument("--methods", default="otcfm,icfm", help="the methods to judge")
    parser.add_argument("--no-checks", action="store_true",
                        help="skip the floor and the same-distribution checks")
    args = parser.parse_args()

    records = [json.loads(line) for line in open(os.path.join(args.runs, "times.jsonl"))]
    records = [r for r in records if r["method"] in args.methods.split(",")]
    cache_path = os.path.join(args.runs, "w2_cache.json")
    cache = json.load(open(cache_path)) if os.path.exists(cache_path) else {}

    def judged_w2(path, t, d):
        """W2 of the CSV at `path` against target draw d, cached across runs of the judge."""
        key = f"{path}|{t}|{d}|{args.n}"
        if key not in cache:
            cache[key] = w2(np.loadtxt(path, delimiter=","), truth[t][d])
        return cache[key]

    targets = sorted({r["target"] for r in records}, key=list(NSGF_PRESET).index)
    truth = {t: [sample(t, args.n, TARGET_SEED + d) for d in range(args.draws)] for t in targets}
    judged = {"floor": {}, "same_target": {}, "rows": []}
    for t in targets if not args.no_checks else []:
        floor = [w2(truth[t][d], sample(t, args.n, FLOOR_SEED + d)) for d in range(args.draws)]
        judged["floor"][t] = mean_se(floor)
        nsgf_draws = []
        for d in range(args.draws):
            csv = subprocess.run([args.nsgf, "data", NSGF_PRESET[t], "-q", "--n", str(args.n),
                                  "--seed", str(d)], check=True, capture_output=True,
                                 text=True).stdout
            nsgf_draws.append(w2(np.loadtxt(csv.splitlines(), delimiter=","), truth[t][d]))
        judged["same_target"][f"nsgf {NSGF_PRESET[t]}"] = {"target": t, "w2": mean_se(nsgf_draws)}
        if t in TORCHCFM_SAMPLERS:
            own = []
            for d in range(args.draws):
                torch.manual_seed(4_000_000 + d)
                np.random.seed(4_000_000 + d)
                own.append(w2(TORCHCFM_SAMPLERS[t](args.n).double().numpy(), truth[t][d]))
            judged["same_target"][f"torchcfm sample_{t}"] = {"target": t, "w2": mean_se(own)}

    by_key = defaultdict(dict)
    for r in records:
        by_key[(r["target"], r["method"], r["seed"])][r["side"]] = r
    for (t, method, seed), sides in sorted(by_key.items()):
        if len(sides) < 2:
            # Judge the finished side now (cached for the full judgement later).
            for side, record in sides.items():
                for name in os.listdir(record["folder"]):
                    if name.startswith("nfe"):
                        d = int(name.split("draw")[1].split(".")[0])
                        judged_w2(os.path.join(record["folder"], name), t, d)
            json.dump(cache, open(cache_path, "w"))
            print(f"judged only {list(sides)} of {t} {method} seed {seed}", flush=True)
            continue
        nfes = sorted({int(f[3:].split("_")[0]) for f in os.listdir(sides["peer"]["folder"])
                       if f.startswith("nfe")})
        for nfe in nfes:
            row = {"target": t, "method": method, "seed": seed, "nfe": nfe}
            for side in ("peer", "nsgf"):
                folder = sides[side]["folder"]
                values = [judged_w2(os.path.join(folder, f"nfe{nfe}_draw{d}.csv"), t, d)
                          for d in range(args.draws)]
                row[side] = mean_se(values)
                row[f"{side}_train_seconds"] = sides[side]["train_seconds"]
                row[f"{side}_train_cpu_seconds"] = sides[side].get("train_cpu_seconds")
            diff = row["nsgf"][0] - row["peer"][0]
            combined = math.hypot(row["nsgf"][1], row["peer"][1])
            row["difference"] = diff
            row["combined_se"] = combined
            row["within_noise"] = abs(diff) < 2 * combined
            judged["rows"].append(row)
            print(json.dumps(row), flush=True)

    json.dump(cache, open(cache_path, "w"))
    with open(os.path.join(args.runs, args.out + ".json"), "w") as f:
        json.dump(judged, f, indent=1)
    print(f"\nW2 (POT emd2, exact) of n = {args.n} samples against fresh target draws, "
          f"mean ± SE over {args.draws} draws.\n")
    print("| target | method | seed | NFE | TorchCFM W2 | nsgf W2 | nsgf − TorchCFM | parity "
          "| TorchCFM train s | nsgf train s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in judged["rows"]:
        verdict = ("within noise" if row["within_noise"] else "not within noise")
        print(f"| {row['target']} | {row['method']} | {row['seed']} | {row['nfe']} "
              f"| {row['peer'][0]:.3f} ± {row['peer'][1]:.3f} "
              f"| {row['nsgf'][0]:.3f} ± {row['nsgf'][1]:.3f} "
              f"| {row['difference']:+.3f} ({row['difference'] / row['combined_se']:+.1f} SE) "
              f"| {verdict} | {row['peer_train_seconds']:.0f} | {row['nsgf_train_seconds']:.0f} |")
    print_pooled(judged["rows"])
    print("\nfloor and same-distribution checks (W2 against the same target draws):\n")
    print("| target | floor | check | W2 |")
    print("|---|---|---|---|")
    for t in [t for t in targets if t in judged["floor"]]:
        fm, fs = judged["floor"][t]
        for name, check in judged["same_target"].items():
            if check["target"] == t:
                print(f"| {t} | {fm:.3f} ± {fs:.3f} | {name} | "
                      f"{check['w2'][0]:.3f} ± {check['w2'][1]:.3f} |")


if __name__ == "__main__":
    main()
