"""TorchCFM 1.0.7 on its own 2D protocol, the peer of `nsgf train --method otcfm/icfm`.

Trains TorchCFM's MLP (3 hidden layers of 64, SELU, time as a raw input) with Adam at 1e-3
(constant), batch 256, sigma 0.1, for 20,000 steps, x0 ~ N(0, I) and x1 from the target, with
ConditionalFlowMatcher (I-CFM) or ExactOptimalTransportConditionalFlowMatcher (OT-CFM, POT's
exact emd on each minibatch), exactly as TorchCFM's 2D tutorial loop. Then integrates the
learned field with Euler steps at each NFE and writes `draws` CSV files of n samples each
(fresh N(0, I) sources per draw) for the judge. Reads nothing from nsgf.

Prints one JSON line: the training loop's wall and CPU seconds (after imports).
"""

import argparse
import json
import os
import time

import numpy as np
import torch
from torchcfm.conditional_flow_matching import (
    ConditionalFlowMatcher,
    ExactOptimalTransportConditionalFlowMatcher,
)
from torchcfm.models.models import MLP

from targets import SAMPLERS


def euler(model, x, nfe):
    """x integrated from t = 0 to 1 in `nfe` Euler steps of the learned velocity."""
    dt = 1.0 / nfe
    with torch.no_grad():
        for k in range(nfe):
            t = torch.full((x.shape[0], 1), k * dt)
            x = x + dt * model(torch.cat([x, t], dim=-1))
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=sorted(SAMPLERS), required=True)
    parser.add_argument("--method", choices=["otcfm", "icfm"], required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--sigma", type=float, default=0.1)
    parser.add_argument("--nfe", default="10,100", help="comma-separated Euler step counts")
    parser.add_argument("--n", type=int, default=1000, help="samples per draw")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (2 threads on the shared, loaded 2-core machine "
                        "ran a step 100x slower than 1)")
    parser.add_argument("--out", required=True, help="folder of the sample CSV files")
    parser.add_argument("--cosine", action="store_true",
                        help="not TorchCFM's protocol: nsgf's learning-rate schedule instead of a "
                        "constant 1e-3 (cosine decay to 1e-4, stepped every 100 steps), to test "
                        "whether the schedule explains a gap")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    sample_target = SAMPLERS[args.target]
    model = MLP(dim=2, time_varying=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    matcher = (
        ExactOptimalTransportConditionalFlowMatcher(sigma=args.sigma)
        if args.method == "otcfm"
        else ConditionalFlowMatcher(sigma=args.sigma)
    )
    started = time.perf_counter()
    started_cpu = time.process_time()
    for step in range(args.steps):
        if args.cosine and step % 100 == 0:
            progress = (step // 100) / (args.steps // 100)
            for group in optimizer.param_groups:
                group["lr"] = 1e-3 * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * progress)))
        optimizer.zero_grad()
        x0 = torch.randn(args.batch, 2)
        x1 = sample_target(args.batch)
        t, xt, ut = matcher.sample_location_and_conditional_flow(x0, x1)
        vt = model(torch.cat([xt, t[:, None]], dim=-1))
        loss = torch.mean((vt - ut) ** 2)
        loss.backward()
        optimizer.step()
    train_seconds = time.perf_counter() - started
    train_cpu_seconds = time.process_time() - started_cpu

    os.makedirs(args.out, exist_ok=True)
    model.eval()
    for nfe in (int(k) for k in args.nfe.split(",")):
        for draw in range(args.draws):
            torch.manual_seed(1_000_000 + draw)
            x = euler(model, torch.randn(args.n, 2), nfe)
            path = os.path.join(args.out, f"nfe{nfe}_draw{draw}.csv")
            np.savetxt(path, x.double().numpy(), delimiter=",", fmt="%.17g")
    print(json.dumps({"train_seconds": train_seconds, "train_cpu_seconds": train_cpu_seconds,
                      "final_loss": loss.item()}))


if __name__ == "__main__":
    main()
