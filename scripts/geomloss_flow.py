#!/usr/bin/env python3
"""GeomLoss's time for the flow that `nsgf bench --what flowmodes` times: 40 Euler steps of the
Sinkhorn-divergence gradient flow from gaussian to moons (blur 0.05, scaling 0.9, eta 0.25, f32),
each step a cold GeomLoss solve (`SamplesLoss("sinkhorn", p=2, debias=True)`, tensorized backend:
KeOps is not installed) and autograd for the gradient.

    python3 scripts/geomloss_flow.py --n 1000 4000 --steps 40 [--threads 2]

Needs torch and geomloss (pip install torch geomloss). The clouds come from `nsgf data`
(gaussian with seed 0, moons with seed 1), the same presets, sizes and parameters as the
benchmark. Prints the seconds per Euler step for each n.
"""
import argparse
import io
import subprocess
import time

import numpy as np
import torch
from geomloss import SamplesLoss


def nsgf_points(binary, preset, n, seed):
    out = subprocess.run([binary, "-q", "data", preset, "--n", str(n), "--seed", str(seed)],
                         check=True, capture_output=True, text=True).stdout
    return np.loadtxt(io.StringIO(out), delimiter=",", skiprows=1 if out[0].isalpha() else 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--nsgf", default="target/release/nsgf")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    blur, scaling, eta = 0.05, 0.9, 0.25
    loss = SamplesLoss("sinkhorn", p=2, blur=blur, scaling=scaling, debias=True,
                       backend="tensorized")
    for n in args.n:
        x0 = nsgf_points(args.nsgf, "gaussian", n, 0)
        y = torch.tensor(nsgf_points(args.nsgf, "moons", n, 1), dtype=torch.float32)
        x = torch.tensor(x0, dtype=torch.float32)
        started = time.perf_counter()
        for step in range(args.steps):
            x.requires_grad_(True)
            value = loss(x, y)
            (grad,) = torch.autograd.grad(value, [x])
            # d S / d x_i = (1/n) (∇f_xy − ∇f_xx)(x_i): the flow velocity is −n · grad.
            velocity = -n * grad
            x = (x + eta * velocity).detach()
        seconds = (time.perf_counter() - started) / args.steps
        print(f"n = {n}: GeomLoss {seconds:.3f} s per Euler step ({1 / seconds:.2f} steps/s), "
              f"{args.steps} steps, {torch.get_num_threads()} threads, torch {torch.__version__}")


if __name__ == "__main__":
    main()
