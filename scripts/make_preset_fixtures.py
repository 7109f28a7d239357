#!/usr/bin/env python3
"""Generate reference sample fixtures for three 2D point-cloud presets.

Writes into tests/fixtures/presets/ (relative to the repository root):

  cfm-8gaussians.csv  2000 samples of TorchCFM's sample_8gaussians(n), i.e.
                      eight_normal_sample(n, 2, scale=5, var=0.1).
                      torch could NOT be installed where this script was
                      written, so this is NOT torch's random stream: it is the
                      same distribution drawn with numpy. Centre index uniform
                      over the 8 centres {(+-1,0),(0,+-1),(+-1/sqrt2,+-1/sqrt2)}*5
                      (torch.multinomial(torch.ones(8), n, replacement=True)),
                      plus noise N(0, sqrt(0.1) * I) -- note the *covariance* is
                      sqrt(var)*I as in the original MultivariateNormal call, so
                      the per-coordinate standard deviation is 0.1**0.25 ~= 0.5623.
                      RNG: np.random.default_rng(0) (integers, then normals).
  cfm-moons.csv       TorchCFM's sample_moons(n) = generate_moons(n, noise=0.2)[0]*3 - 1
                      with torchdyn's generate_moons (pure numpy; body copied
                      verbatim below, minus the torch Tensor conversion).
                      Note the noise is ONE uniform [0, 0.2) value per point
                      added to BOTH coordinates. RNG: np.random.seed(0).
  scurve.csv          sklearn.datasets.make_s_curve(2000, noise=0.05,
                      random_state=0)[0][:, [0, 2]] * 1.5 (the real sklearn call).

CSV format: one point per line, "x,y", no header, '%.17g'.

Usage: python3 scripts/make_preset_fixtures.py   (needs numpy + scikit-learn)
"""
import os

import numpy as np
from sklearn.datasets import make_s_curve

N = 2000
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "tests", "fixtures", "presets")


def eight_normal_sample_numpy(n, dim=2, scale=5, var=0.1, rng=None):
    """numpy equivalent (in distribution) of torchcfm.utils.eight_normal_sample."""
    assert dim == 2
    s = 1.0 / np.sqrt(2)
    centers = np.array(
        [(1, 0), (-1, 0), (0, 1), (0, -1), (s, s), (s, -s), (-s, s), (-s, -s)],
        dtype=np.float64,
    ) * scale
    multi = rng.integers(0, 8, size=n)  # uniform centre index
    # MultivariateNormal(0, sqrt(var) * I): covariance sqrt(var)*I -> std var**0.25
    noise = rng.standard_normal(size=(n, dim)) * np.sqrt(np.sqrt(var))
    return centers[multi] + noise


# --- verbatim copy of torchdyn's generate_moons (numpy part) -----------------
def generate_moons(n_samples=100, noise=0.2):
    n_samples_out = n_samples // 2
    n_samples_in = n_samples - n_samples_out
    outer_circ_x = np.cos(np.linspace(0, np.pi, n_samples_out))
    outer_circ_y = np.sin(np.linspace(0, np.pi, n_samples_out))
    inner_circ_x = 1 - np.cos(np.linspace(0, np.pi, n_samples_in))
    inner_circ_y = 1 - np.sin(np.linspace(0, np.pi, n_samples_in)) - .5

    X = np.vstack([np.append(outer_circ_x, inner_circ_x),
                   np.append(outer_circ_y, inner_circ_y)]).T
    y = np.hstack([np.zeros(n_samples_out, dtype=np.intp),
                   np.ones(n_samples_in, dtype=np.intp)])

    if noise is not None:
        X += np.random.rand(n_samples, 1) * noise

    # original: X, y = Tensor(X), Tensor(y).long()  (torch unavailable here)
    return X, y
# -----------------------------------------------------------------------------


def sample_moons(n):
    """TorchCFM: generate_moons(n, noise=0.2)[0] * 3 - 1"""
    x0, _ = generate_moons(n, noise=0.2)
    return x0 * 3 - 1


def write_csv(name, pts):
    pts = np.asarray(pts, dtype=np.float64)
    assert pts.shape == (N, 2), pts.shape
    path = os.path.join(OUT_DIR, name)
    np.savetxt(path, pts, fmt="%.17g", delimiter=",")
    print(f"{os.path.relpath(path)}: {len(pts)} points")
    print(f"  mean {pts.mean(axis=0)}  std {pts.std(axis=0)}")
    print(f"  min  {pts.min(axis=0)}  max {pts.max(axis=0)}")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)

    rng = np.random.default_rng(0)
    write_csv("cfm-8gaussians.csv", eight_normal_sample_numpy(N, 2, scale=5, var=0.1, rng=rng))

    np.random.seed(0)
    write_csv("cfm-moons.csv", sample_moons(N))

    X, _ = make_s_curve(N, noise=0.05, random_state=0)
    write_csv("scurve.csv", X[:, [0, 2]] * 1.5)


if __name__ == "__main__":
    main()
