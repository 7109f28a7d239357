#!/usr/bin/env python3
"""One Sinkhorn-flow velocity step in d = 64 dimensions: nsgf's streaming CPU kernels against
GeomLoss 0.3.1 (torch CPU, tensorized and, where pykeops works, online backends), timed in one
run, alternating, so that both see the same load.

    python3 scripts/geomloss_velocity_nd.py --n 1024 4096 [--repeats 3] [--threads 2]

GeomLoss's step is what a GeomLoss user runs for a flow step: `SamplesLoss("sinkhorn", p=2,
blur=1, scaling=0.9, debias=True)` on (x, y) and autograd for the gradient (its velocity is
-n * grad). nsgf's step is `nsgf velocity --precision f32|f64` on the same points, written to
CSV files beforehand; its time is the whole process (start, reading both files, the velocity,
writing n lines), so it favours GeomLoss. The clouds: x ~ N(0, I), y ~ N(1, I/4) in 64
dimensions, seeded. Prints one line per (n, solver) with seconds per step and the ratio to nsgf
f32, and the largest velocity difference between nsgf and GeomLoss relative to max |v|.

Needs numpy, torch and geomloss (scripts/requirements-geomloss.txt); pykeops for the online
backend (skipped with a note where it does not import or compile).
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np
import torch
from geomloss import SamplesLoss

DIM = 64
BLUR, SCALING = 1.0, 0.9


def geomloss_velocity(x, y, backend):
    loss = SamplesLoss("sinkhorn", p=2, blur=BLUR, scaling=SCALING, debias=True, backend=backend)
    x = x.clone().requires_grad_(True)
    value = loss(x, y)
    (grad,) = torch.autograd.grad(value, [x])
    return -x.shape[0] * grad


def nsgf_velocity(binary, source, target, precision):
    out = subprocess.run(
        [binary, "-q", "velocity", "--source", source, "--target", target, "--blur", str(BLUR),
         "--scaling", str(SCALING), "--precision", precision, "--backend", "cpu"],
        check=True, capture_output=True, text=True).stdout
    return np.loadtxt(out.splitlines(), delimiter=",")


def timed(call, repeats):
    result = call()  # untimed: warms caches, compiles KeOps formulas
    started = time.perf_counter()
    for _ in range(repeats):
        result = call()
    return (time.perf_counter() - started) / repeats, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--nsgf", default="target/release/nsgf")
    parser.add_argument("--backends", nargs="+", default=["tensorized", "online"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"d = {DIM}, blur {BLUR}, scaling {SCALING}, {args.repeats} timed calls, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}")
    with tempfile.TemporaryDirectory() as folder:
        for n in args.n:
            x = rng.standard_normal((n, DIM))
            y = 1.0 + 0.5 * rng.standard_normal((n, DIM))
            source, target = os.path.join(folder, "x.csv"), os.path.join(folder, "y.csv")
            np.savetxt(source, x, delimiter=",", fmt="%.17g")
            np.savetxt(target, y, delimiter=",", fmt="%.17g")
            rows = []
            for precision in ["f32", "f64"]:
                seconds, v = timed(lambda: nsgf_velocity(args.nsgf, source, target, precision),
                                   args.repeats)
                rows.append((f"nsgf {precision} (whole process)", seconds, v))
            reference = rows[1][2]
            xt = torch.tensor(x, dtype=torch.float32)
            yt = torch.tensor(y, dtype=torch.float32)
            for backend in args.backends:
                try:
                    seconds, v = timed(lambda: geomloss_velocity(xt, yt, backend), args.repeats)
                except Exception as error:  # pykeops missing or unable to compile
                    print(f"n = {n}: GeomLoss {backend}: not measured ({type(error).__name__}: "
                          f"{str(error).splitlines()[0] if str(error) else ''})")
                    continue
                rows.append((f"GeomLoss {backend} f32", seconds, v.numpy()))
            nsgf_f32 = rows[0][1]
            scale = np.abs(reference).max()
            for name, seconds, v in rows:
                difference = np.abs(v - reference).max() / scale
                print(f"n = m = {n}: {name:32} {seconds:8.3f} s/step  "
                      f"{seconds / nsgf_f32:6.2f}x nsgf f32's time  "
                      f"vs nsgf f64 {difference:.1e} of max|v|")


if __name__ == "__main__":
    main()
