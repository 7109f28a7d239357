"""How close the particle flow itself gets to its target in a given number of steps.

For each setting (steps, eta, blur, scaling) and each of --seeds seeds, runs
`nsgf flow --n N --seed s`, keeps the particles of the last step, and takes the exact W2 (POT's
emd2 on squared Euclidean costs) against a fresh target sample of the same size
(`nsgf data TARGET --seed 100 + s`). The floor is the same W2 between fresh target samples
(seeds 100 + s and 200 + s). Prints the mean ± standard error (sd / sqrt(seeds)) per setting.

This is the diagnostic behind docs/judging.md's "why NSGF lost on cfm-moons": a learned NSGF
model imitates this flow, so it cannot end nearer the target than the flow does.

Usage (POT from scripts/peer/requirements.txt):
    python scripts/flow_reach.py --nsgf target/release/nsgf --target cfm-moons \
        --setting 10,0.35,0.2,0.8 --setting 10,0.8,0.5,0.8
"""

import argparse
import io
import math
import subprocess

import numpy as np
import ot


def w2(x, y):
    """Exact W2 between two equal-size clouds with uniform weights."""
    weights = np.full(len(x), 1.0 / len(x))
    return math.sqrt(ot.emd2(weights, weights, ot.dist(x, y), numItermax=10**8))


def run(command):
    """Runs an nsgf command and returns its stdout, failing loudly with its stderr."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return done.stdout


def target_sample(nsgf, target, n, seed):
    """A fresh target sample from `nsgf data`."""
    text = run([nsgf, "data", "-q", target, "--n", str(n), "--seed", str(seed)])
    return np.loadtxt(io.StringIO(text), delimiter=",")


def last_step(nsgf, source, target, n, seed, steps, eta, blur, scaling):
    """The particles after the last Euler step of `nsgf flow`."""
    text = run([
        nsgf, "flow", "-q", "--source", source, "--target", target, "--n", str(n),
        "--steps", str(steps), "--eta", str(eta), "--blur", str(blur),
        "--scaling", str(scaling), "--seed", str(seed),
    ])
    rows = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    return rows[rows[:, 0] == steps][:, 2:4]


def mean_se(values):
    """The mean and its standard error."""
    values = np.asarray(values)
    return values.mean(), values.std(ddof=1) / math.sqrt(len(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nsgf", default="target/release/nsgf")
    parser.add_argument("--source", default="gaussian")
    parser.add_argument("--target", default="cfm-moons")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument(
        "--setting", action="append", required=True,
        help="STEPS,ETA,BLUR,SCALING (repeat for several)",
    )
    args = parser.parse_args()

    fresh = [target_sample(args.nsgf, args.target, args.n, 100 + s) for s in range(args.seeds)]
    others = [target_sample(args.nsgf, args.target, args.n, 200 + s) for s in range(args.seeds)]
    floor = mean_se([w2(a, b) for a, b in zip(fresh, others)])
    print(f"{args.source} -> {args.target}, n = {args.n}, {args.seeds} seeds")
    print("| steps | eta | blur | scaling | W2 of the last step | floor |")
    print("|---|---|---|---|---|---|")
    for setting in args.setting:
        try:
            steps, eta, blur, scaling = setting.split(",")
            steps, eta, blur, scaling = int(steps), float(eta), float(blur), float(scaling)
        except ValueError:
            raise SystemExit(f"--setting {setting}: expected STEPS,ETA,BLUR,SCALING")
        reach = mean_se([
            w2(last_step(args.nsgf, args.source, args.target, args.n, s, steps, eta, blur,
                         scaling), fresh[s])
            for s in range(args.seeds)
        ])
        print(f"| {steps} | {eta} | {blur} | {scaling} | {reach[0]:.3f} ± {reach[1]:.3f} "
              f"| {floor[0]:.3f} ± {floor[1]:.3f} |")


if __name__ == "__main__":
    main()
