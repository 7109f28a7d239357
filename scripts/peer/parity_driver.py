"""Trains TorchCFM (the peer) and nsgf on the same pairs, side by side so both see the same
load, and writes both sides' samples as CSV for `judge.py`.

For each seed, target (moons, 8gaussians, checkerboard from N(0, I)) and method (otcfm, icfm):
the peer runs `torchcfm_parity.py`, nsgf runs `nsgf train --method M` at its TorchCFM
defaults, then `nsgf sample` writes the same draws (n samples at each NFE, fresh sources per
draw). Every side runs on one thread (torch threads, RAYON_NUM_THREADS). The two sides of a
pair start together, and `--jobs` runs go at once (the machine is shared: running the pairs one
after the other would not finish in time); the jobs are queued peer, nsgf, peer, nsgf, … so
that both sides always share the machine alike. Times: wall and CPU seconds of the peer's
training loop (measured inside its script) and of the `nsgf train` process.

Usage: python scripts/peer/parity_driver.py --nsgf target/release/nsgf --out /tmp/parity
(the Python of the peer's venv; see requirements.txt).
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from targets import NSGF_PRESET

HERE = os.path.dirname(os.path.abspath(__file__))
LOG_LOCK = threading.Lock()


def timed(command, env=None):
    """Runs `command` and returns (stdout, wall seconds, CPU seconds) via wait4."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True, env=env)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{command} failed ({child.returncode})")
    return out, time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def peer(args, target, method, seed, folder):
    out, wall, _ = timed([sys.executable, os.path.join(HERE, "torchcfm_parity.py"),
                          "--target", target, "--method", method, "--seed", str(seed),
                          "--steps", str(args.steps), "--nfe", args.nfe, "--n", str(args.n),
                          "--draws", str(args.draws), "--threads", "1", "--out", folder])
    report = json.loads(out.strip().splitlines()[-1])
    return {"train_seconds": report["train_seconds"],
            "train_cpu_seconds": report["train_cpu_seconds"], "process_wall_seconds": wall}


def nsgf(args, target, method, seed, folder):
    os.makedirs(folder, exist_ok=True)
    model = os.path.join(folder, "model.json")
    units = args.steps // 100
    one_thread = {**os.environ, "RAYON_NUM_THREADS": "1"}
    _, wall, cpu = timed([args.nsgf, "train", "-q", "--source", "gaussian",
                          "--target", NSGF_PRESET[target], "--method", method,
                          "--seed", str(seed), "--iterations", str(units),
                          "--eval-every", "0", "--out", model], env=one_thread)
    for nfe in args.nfe.split(","):
        for draw in range(args.draws):
            csv, _, _ = timed([args.nsgf, "sample", "-q", "--model", model, "--n", str(args.n),
                               "--nfe", nfe, "--seed", str(1_000_000 + draw)], env=one_thread)
            with open(os.path.join(folder, f"nfe{nfe}_draw{draw}.csv"), "w") as f:
                f.write(csv)
    return {"train_seconds": wall, "train_cpu_seconds": cpu}


def job(args, side, target, method, seed):
    folder = os.path.join(args.out, side, f"{target}_{method}_s{seed}")
    train = peer if side == "peer" else nsgf
    record = {"side": side, "target": target, "method": method, "seed": seed,
              "folder": folder, **train(args, target, method, seed, folder)}
    with LOG_LOCK:
        with open(os.path.join(args.out, "times.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
        print(json.dumps(record), flush=True)


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
    parser.add_argument("--jobs", type=int, default=12, help="runs at once")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    jobs = [(side, target, method, int(seed))
            for seed in args.seeds.split(",")
            for method in args.methods.split(",")  # OT-CFM first: the longest runs
            for target in args.targets.split(",")
            for side in ("peer", "nsgf")]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for future in [pool.submit(job, args, *spec) for spec in jobs]:
            future.result()


if __name__ == "__main__":
    main()
