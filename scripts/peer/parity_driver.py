"""Trains TorchCFM (the peer) and nsgf on the same pairs, alternating so both see the same
load (one thread each by default), and writes both sides' samples as CSV for `judge.py`.

For each seed, target (moons, 8gaussians, checkerboard from N(0, I)) and method (otcfm, icfm):
the peer runs `torchcfm_parity.py`, nsgf runs `nsgf train --method M` at its TorchCFM
defaults, then `nsgf sample` writes the same draws (n samples at each NFE, fresh sources per
draw). Which side goes first alternates from one pair to the next. Times: the peer's training
loop (measured inside its script) and the wall time of `nsgf train`.

Usage: python scripts/peer/parity_driver.py --nsgf target/release/nsgf --out /tmp/parity
(the Python of the peer's venv; see requirements.txt).
"""

import argparse
import json
import os
import subprocess
import sys
import time

from targets import NSGF_PRESET

HERE = os.path.dirname(os.path.abspath(__file__))


def run(command, **kwargs):
    """Runs `command`, failing loudly; returns (stdout, wall seconds)."""
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)
    return done.stdout, time.perf_counter() - started


def peer(args, target, method, seed, folder):
    out, wall = run([sys.executable, os.path.join(HERE, "torchcfm_parity.py"),
                     "--target", target, "--method", method, "--seed", str(seed),
                     "--steps", str(args.steps), "--nfe", args.nfe, "--n", str(args.n),
                     "--draws", str(args.draws), "--threads", str(args.threads), "--out", folder])
    report = json.loads(out.strip().splitlines()[-1])
    return {"train_seconds": report["train_seconds"], "wall_seconds": wall}


def nsgf(args, target, method, seed, folder):
    os.makedirs(folder, exist_ok=True)
    model = os.path.join(folder, "model.json")
    units = args.steps // 100
    _, train_seconds = run([args.nsgf, "train", "-q", "--source", "gaussian",
                            "--target", NSGF_PRESET[target], "--method", method,
                            "--seed", str(seed), "--iterations", str(units),
                            "--eval-every", "0", "--out", model],
                           env={**os.environ, "RAYON_NUM_THREADS": str(args.threads)})
    for nfe in args.nfe.split(","):
        for draw in range(args.draws):
            csv, _ = run([args.nsgf, "sample", "-q", "--model", model, "--n", str(args.n),
                          "--nfe", nfe, "--seed", str(1_000_000 + draw)])
            with open(os.path.join(folder, f"nfe{nfe}_draw{draw}.csv"), "w") as f:
                f.write(csv)
    return {"train_seconds": train_seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nsgf", required=True, help="the nsgf binary")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--targets", default="moons,8gaussians,checkerboard")
    parser.add_argument("--methods", default="otcfm,icfm")
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--nfe", default="10,100")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of both sides (torch threads, RAYON_NUM_THREADS)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "times.jsonl")
    turn = 0
    for seed in (int(s) for s in args.seeds.split(",")):
        for target in args.targets.split(","):
            for method in args.methods.split(","):
                key = f"{target}_{method}_s{seed}"
                sides = [("peer", peer), ("nsgf", nsgf)]
                if turn % 2:
                    sides.reverse()
                turn += 1
                for side, train in sides:
                    folder = os.path.join(args.out, side, key)
                    record = {"side": side, "target": target, "method": method, "seed": seed,
                              "folder": folder, **train(args, target, method, seed, folder)}
                    with open(log_path, "a") as f:
                        f.write(json.dumps(record) + "\n")
                    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
