"""PySINDy 2.1 peer for chaoslab's SINDy: the same fits on the same CSV.

Three modes:

* ``--fixture OUT.json``: fit a fixed list of settings on ``--csv`` (header
  ``t,x,y,z``) and write each model's feature names, coefficients and printed
  equations. chaoslab's test ``models::sindy::parity`` compares against that file.
* ``--fixture-suite OUT.json``: the same for the suite beyond STLSQ (SR3 L0/L1,
  smoothed finite differences with and without the smoothed states in the library,
  spectral derivatives, normalised SR3 on noisy data); compared by
  ``models::sindy::parity::suite_settings_match_pysindy``.
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


# (name, optimizer, differentiation, noise level (× RMS of the array), seed)
def suite_settings():
    sr3_l0 = dict(regularizer="L0", reg_weight_lam=0.1**2 / 2)
    return [
        ("sr3_l0", ps.SR3(**sr3_l0), ps.FiniteDifference(), 0.0),
        ("sr3_l0_unbias", ps.SR3(unbias=True, **sr3_l0), ps.FiniteDifference(), 0.0),
        (
            "sr3_l1",
            ps.SR3(regularizer="L1", reg_weight_lam=0.1),
            ps.FiniteDifference(),
            0.0,
        ),
        (
            "sr3_l0_nu_0.5_fd4",
            ps.SR3(regularizer="L0", relax_coeff_nu=0.5, reg_weight_lam=0.1**2 / 1.0),
            ps.FiniteDifference(order=4),
            0.0,
        ),
        ("sfd", ps.STLSQ(), ps.SmoothedFiniteDifference(), 0.0),
        (
            "sfd_raw_x",
            ps.STLSQ(),
            ps.SmoothedFiniteDifference(save_smooth=False),
            0.0,
        ),
        (
            "sfd_21_5",
            ps.STLSQ(),
            ps.SmoothedFiniteDifference(
                smoother_kws={"window_length": 21, "polyorder": 5}
            ),
            0.0,
        ),
        ("spectral", ps.STLSQ(), ps.SpectralDerivative(), 0.0),
        ("sfd_noisy", ps.STLSQ(), ps.SmoothedFiniteDifference(), 0.01),
        (
            "sr3_l0_l2_noisy",
            ps.SR3(
                regularizer="L0",
                reg_weight_lam=(4.0 * np.sqrt(5000)) ** 2 / 2,
                normalize_columns=True,
                max_iter=1000,
            ),
            ps.SmoothedFiniteDifference(),
            0.01,
        ),
    ]


def fixture_suite(args):
    dt, x = load(args.csv)
    # Noise is drawn here and stored in the fixture, so both sides fit the same data.
    rng = np.random.default_rng(100)
    noise = rng.normal(0.0, np.sqrt(np.mean(x**2)), x.shape)
    out = {"pysindy": ps.__version__, "csv": os.path.basename(args.csv), "fits": {}}
    out["noise_unit"] = noise.tolist()
    for name, opt, diff, level in suite_settings():
        model = ps.SINDy(
            feature_library=ps.PolynomialLibrary(degree=2),
            differentiation_method=diff,
            optimizer=opt,
        )
        model.fit(x + level * noise, t=dt, feature_names=["x", "y", "z"])
        out["fits"][name] = {
            "noise_level": level,
            "feature_names": model.get_feature_names(),
            "coefficients": model.coefficients().tolist(),
            "equations": model.equations(),
        }
    with open(args.fixture_suite, "w") as f:
        json.dump(out, f)


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
    p.add_argument("--fixture-suite")
    p.add_argument("--bench", action="store_true")
    p.add_argument("--degrees", type=int, nargs="+", default=[2, 5])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--simulate", action="store_true")
    args = p.parse_args()
    if args.fixture:
        fixture(args)
    if args.fixture_suite:
        fixture_suite(args)
    if args.bench:
        bench(args)


if __name__ == "__main__":
    main()
