#!/usr/bin/python3
"""Expected outputs for POSLayerFreeze.Analysis.LinearProbe from scikit-learn's LogisticRegression.

Each case is a seeded Gaussian mixture (classes with overlapping clusters, features on different scales and
offsets, so standardisation matters), rounded to 4 decimals; the JSON stores the rounded inputs, the profile
fields they were fitted with (C, standardize) and scikit-learn's fit: coefficients (on standardised features when
standardize is on), intercepts, train and test predictions and accuracies. scikit-learn is run to a much tighter
tolerance than its default so that its result is the optimum, not one optimizer's stopping point.

Usage: /usr/bin/python3 eng/analysis-oracle/probe_oracle.py tests/POSLayerFreeze.Tests/Fixtures/analysis/probe.json
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


def mixture(rng, classes, dim, n, centres, scales, offsets):
    y = rng.integers(0, classes, size=n)
    x = centres[y] + rng.normal(size=(n, dim))
    return np.round(x * scales + offsets, 4), y


def max_gradient(x, y, coef, intercept, c):
    """Largest gradient component of mean cross-entropy + ||W||^2 / (2 C n) at scikit-learn's solution: how close
    to the optimum the expected values are (the C# test compares weights within 1e-4)."""
    n = x.shape[0]
    logits = x @ coef.T + intercept
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(n), y] -= 1.0
    return float(max(np.abs(p.T @ x / n + coef / (c * n)).max(), np.abs(p.mean(axis=0)).max()))


def case(name, rng, classes, dim, n_train, n_test, spread, c, standardize, scale_sd=1.0, offset_sd=5.0):
    centres = rng.normal(size=(classes, dim)) * spread
    scales = np.exp(rng.normal(size=dim) * scale_sd)   # features on different scales
    offsets = rng.normal(size=dim) * offset_sd
    x_train, y_train = mixture(rng, classes, dim, n_train, centres, scales, offsets)
    x_test, y_test = mixture(rng, classes, dim, n_test, centres, scales, offsets)
    fit_train, fit_test = x_train, x_test
    if standardize:
        scaler = StandardScaler().fit(x_train)
        fit_train, fit_test = scaler.transform(x_train), scaler.transform(x_test)
    model = LogisticRegression(C=c, multi_class="multinomial", solver="lbfgs", max_iter=100000, tol=1e-10)
    model.fit(fit_train, y_train)
    train_pred = model.predict(fit_train)
    test_pred = model.predict(fit_test)
    return {
        "name": name,
        "classes": classes,
        "c": c,
        "standardize": standardize,
        "train_x": x_train.tolist(),
        "train_y": y_train.tolist(),
        "test_x": x_test.tolist(),
        "test_y": y_test.tolist(),
        "coef": model.coef_.tolist(),
        "intercept": model.intercept_.tolist(),
        "train_predictions": train_pred.tolist(),
        "test_predictions": test_pred.tolist(),
        "train_accuracy": float(np.mean(train_pred == y_train)),
        "test_accuracy": float(np.mean(test_pred == y_test)),
        "iterations": int(model.n_iter_[0]),
        "max_gradient": max_gradient(fit_train, y_train, model.coef_, model.intercept_, c),
    }


def main(out_path):
    rng = np.random.default_rng(27)
    cases = [
        case("standardized-c1", rng, classes=5, dim=8, n_train=240, n_test=240, spread=1.0, c=1.0, standardize=True),
        case("raw-c0.05", rng, classes=4, dim=6, n_train=200, n_test=200, spread=0.8, c=0.05, standardize=False,
             scale_sd=0.3, offset_sd=0.5),  # unscaled features: kept well conditioned so lbfgs reaches the optimum
        case("standardized-strong-l2", rng, classes=6, dim=10, n_train=200, n_test=200, spread=1.2, c=0.01, standardize=True),
    ]
    doc = {
        "generator": "eng/analysis-oracle/probe_oracle.py",
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "cases": cases,
    }
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
