"""PySINDy 2.1 peer for chaoslab's SINDy: the same fits on the same CSV.

Two modes:

* ``--fixture OUT.json``: fit a fixed list of settings on ``--csv`` (header
  ``t,x,y,z``) and write each model's feature names, coefficients and printed
  equations. chaoslab's test ``models::sindy::parity`` compares against that file.
* ``--bench``: time ``SINDy.fit`` (median of ``--repeats`` after one warm-up) on the
  CSV for the given degrees and print one JSON line per degree. Run single-threaded
  (``OPENBLAS_NUM_THREADS=1``), as the Rust side is.

Install: ``python3 -m venv .venv && .venv/bin/pip install -r requirements.txt``.
Never needed by ``cargo test``.
"""

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pysindy as ps  # noqa: E402

# (name, degree, fd order, drop endpoints, threshold, alpha, normalize_columns)
FIXTURE_SETTINGS = [
    ("default", 2, 2, False, 0.1, 0.05, False),
    ("degree3", 3, 2, False, 0.1, 0.05, False),
    ("fd4", 2, 4, False, 0.1, 0.05, False),
    ("drop_endpoints", 2, 2, True, 0.1, 0.05, False),
    ("dense", 2, 2, False, 0.0, 0.05, False),
    ("normalized", 2, 2, False, 200.0, 0.05, True),
    ("big_alpha", 2, 2, False, 0.01, 0.5, False),
]


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    t, x = data[:, 0], data[:, 1:]
    dt = (t[-1] - t[0]) / (len(t) - 1)
    return dt, x


def model_for(degree, order, drop, threshold, alpha, normalize):
    return ps.SINDy(
        feature_library=ps.PolynomialLibrary(degree=degree),
        differentiation_method=ps.FiniteDifference(order=order, drop_endpoints=drop),
        optimizer=ps.STLSQ(
            threshold=threshold, alpha=alpha, normalize_columns=normalize
        ),
    )


def fixture(args):
    dt, x = load(args.csv)
    out = {"pysindy": ps.__version__, "csv": os.path.basename(args.csv), "fits": {}}
    for name, degree, order, drop, threshold, alpha, normalize in FIXTURE_SETTINGS:
        model = model_for(degree, order, drop, threshold, alpha, normalize)
        model.fit(x, t=dt, feature_names=["x", "y", "z"])
        out["fits"][name] = {
            "degree": degree,
            "fd_order": order,
            "drop_endpoints": drop,
            "threshold": threshold,
            "alpha": alpha,
            "normalize_columns": normalize,
            "feature_names": model.get_feature_names(),
            "coefficients": model.coefficients().tolist(),
            "equations": model.equations(),
        }
    with open(args.fixture, "w") as f:
        json.dump(out, f, indent=1)


def bench(args):
    dt, x = load(args.csv)
    for degree in args.degrees:
        times = []
        for _ in range(args.repeats + 1):
            model = model_for(degree, 2, False, 0.1, 0.05, False)
            start = time.perf_counter()
            model.fit(x, t=dt, feature_names=["x", "y", "z"])
            times.append(time.perf_counter() - start)
        fit_s = float(np.median(times[1:]))
        result = {"samples": len(x), "degree": degree, "fit_s": fit_s}
        if args.simulate:
            t_sim = np.arange(0, 15, dt)
            start = time.perf_counter()
            model.simulate(x[0], t_sim)
            result["simulate_15_s"] = time.perf_counter() - start
        print(json.dumps(result))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--csv", required=True)
    p.add_argument("--fixture")
    p.add_argument("--bench", action="store_true")
    p.add_argument("--degrees", type=int, nargs="+", default=[2, 5])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--simulate", action="store_true")
    args = p.parse_args()
    if args.fixture:
        fixture(args)
    if args.bench:
        bench(args)


if __name__ == "__main__":
    main()
