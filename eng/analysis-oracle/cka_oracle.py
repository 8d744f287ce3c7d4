#!/usr/bin/python3
"""Expected values for POSLayerFreeze.Analysis.Cka, computed independently in NumPy.

The C# side works in feature space (||Y^T X||_F^2 on centred features); this oracle works in the Gram form
(K = X X^T, L = Y Y^T) and computes the unbiased HSIC with Song et al. 2012's U-statistic formula term by term,
so the two share nothing but the definition. Matrices are rounded to 6 decimals before anything is computed, and
the rounded values are what the JSON stores, so both sides see exactly the same inputs.

Usage: /usr/bin/python3 eng/analysis-oracle/cka_oracle.py tests/POSLayerFreeze.Tests/Fixtures/analysis/cka.json
"""
import json
import sys

import numpy as np


def centring(n):
    return np.eye(n) - np.ones((n, n)) / n


def hsic_biased(k, l):
    h = centring(k.shape[0])
    return np.trace(k @ h @ l @ h)  # the 1/(n-1)^2 factor cancels in the ratio


def hsic_unbiased(k, l):
    """Song et al. 2012, eq. (5): K~, L~ with zero diagonals."""
    n = k.shape[0]
    kt = k - np.diag(np.diag(k))
    lt = l - np.diag(np.diag(l))
    ones = np.ones(n)
    term1 = np.trace(kt @ lt)
    term2 = (ones @ kt @ ones) * (ones @ lt @ ones) / ((n - 1) * (n - 2))
    term3 = 2.0 / (n - 2) * (ones @ kt @ lt @ ones)
    return (term1 + term2 - term3) / (n * (n - 3))


def cka(x, y, hsic):
    k, l = x @ x.T, y @ y.T
    return hsic(k, l) / np.sqrt(hsic(k, k) * hsic(l, l))


def case(name, x, y):
    x, y = np.round(x, 6), np.round(y, 6)
    return {
        "name": name,
        "x": x.tolist(),
        "y": y.tolist(),
        "linear": float(cka(x, y, hsic_biased)),
        "debiased": float(cka(x, y, hsic_unbiased)),
    }


def main(out_path):
    rng = np.random.default_rng(20261207)
    cases = []
    # A layer and a noisy linear map of it (related representations, different widths).
    x = rng.normal(size=(48, 6))
    y = x @ rng.normal(size=(6, 5)) + 0.5 * rng.normal(size=(48, 5))
    cases.append(case("linear-map-plus-noise", x, y))
    # Unrelated Gaussians, n not large against the width: biased CKA is well above 0, debiased near it.
    cases.append(case("independent", rng.normal(size=(40, 8)), rng.normal(size=(40, 8))))
    # A nonlinear relation with one dominant (outlier-scale) dimension, offsets that centring must remove.
    x = rng.normal(size=(32, 4)) * np.array([10.0, 1.0, 1.0, 0.5]) + 3.0
    y = np.tanh(x[:, :3] / 4.0) + 0.1 * rng.normal(size=(32, 3)) - 2.0
    cases.append(case("nonlinear-outlier-dimension", x, y))
    # Fewer examples than features on one side (the Gram form's home ground).
    cases.append(case("wide", rng.normal(size=(12, 20)), rng.normal(size=(12, 3))))
    doc = {
        "generator": "eng/analysis-oracle/cka_oracle.py",
        "numpy": np.__version__,
        "cases": cases,
    }
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
