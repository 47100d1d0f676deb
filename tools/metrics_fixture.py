"""Independent numpy/scipy reference values of chaoslab's forecast and invariant metrics.

Writes tests/fixtures/metrics/series.csv (three 600-row Lorenz series sampled at
dt = 0.02: `truth`, a `forecast` started from a state perturbed by 1e-4 so that its
error grows through the VPT threshold, and `generated`, a later stretch of the same
orbit) and tests/fixtures/metrics/expected.json with VPT, sMAPE, D_stsp, D_H and PE(20)
computed here from the definitions in PRODUCT.md and specs/plrnn.md §3, written
directly from those formulas (dense 30^3 histograms, a Gaussian-mixture D_stsp on
6-dimensional series with its Monte-Carlo draws stored, scipy's gaussian_filter1d,
numpy's rfft), not from chaoslab's code. tests/metrics_fixtures.rs checks the Rust
implementations against them.

Run: python3 -m venv /tmp/dvenv && /tmp/dvenv/bin/pip install numpy scipy
     /tmp/dvenv/bin/python tools/metrics_fixture.py
"""

import json
import pathlib

import numpy as np
import scipy
from scipy.integrate import solve_ivp
from scipy.ndimage import gaussian_filter1d

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "metrics"
DT, ROWS, LAMBDA, THRESHOLD = 0.02, 600, 0.9056, 0.4
BINS, ALPHA, MARGIN, SIGMA, PE_N = 30, 1e-5, 0.1, 20.0, 20


def lorenz(_, s, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    x, y, z = s
    return [sigma * (y - x), x * (rho - z) - y, x * y - beta * z]


def orbit(x0, rows):
    t = np.arange(rows) * DT
    sol = solve_ivp(lorenz, (0, t[-1]), x0, t_eval=t, rtol=1e-11, atol=1e-12, method="DOP853")
    return sol.y.T


start = orbit([1.0, 1.0, 1.0], 501)[-1]  # on the attractor
truth = orbit(start, ROWS)
forecast = orbit(start + np.array([1e-4, 0.0, 0.0]), ROWS)
generated = orbit(orbit(start, 1501)[-1], ROWS)

# VPT and sMAPE (PRODUCT.md): e_k = sqrt(mean_j ((f - t)/s_j)^2), s_j the truth's
# population standard deviation; VPT = first k with e_k > 0.4, times dt * lambda.
s = truth.std(axis=0)
err = np.sqrt(np.mean(((forecast - truth) / s) ** 2, axis=1))
crossing = int(np.argmax(err > THRESHOLD))
assert err[crossing] > THRESHOLD
vpt = crossing * DT * LAMBDA
denom = np.abs(forecast) + np.abs(truth)
ratio = np.where(denom > 0, np.abs(forecast - truth) / np.where(denom > 0, denom, 1), 0.0)
smape = 200.0 * np.mean(np.mean(ratio, axis=1))


# D_stsp, binning version (specs/plrnn.md §3.2), with dense histograms over all 30^3 cells.
def d_stsp(x, g):
    sd = x.std(axis=0, ddof=1)
    lo = x.min(axis=0) - MARGIN * sd
    hi = x.max(axis=0) + MARGIN * sd
    width = (hi - lo) / BINS

    def hist(a):
        idx = np.floor((a - lo) / width).astype(int)
        inside = np.all((idx >= 0) & (idx < BINS), axis=1)
        h = np.zeros((BINS,) * a.shape[1])
        np.add.at(h, tuple(idx[inside].T), 1.0)
        return h.ravel()

    h, q_counts = hist(x), hist(g)
    k = h.size
    p = (h + ALPHA) / (h.sum() + ALPHA * k)
    q = (q_counts + ALPHA) / (q_counts.sum() + ALPHA * k)
    return float(np.sum(p * np.log(p / q)))


# D_H (specs/plrnn.md §3.4).
def spectrum(col):
    z = (col - col.mean()) / col.std(ddof=1)
    p = np.abs(np.fft.rfft(z)) ** 2
    p = gaussian_filter1d(p, SIGMA, mode="reflect", truncate=4.0)
    p = np.clip(p, 0.0, None)
    return p / p.sum()


def d_h(x, g):
    hs = []
    for j in range(x.shape[1]):
        p, q = spectrum(x[:, j]), spectrum(g[:, j])
        hs.append(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2.0))
    return float(np.mean(hs))


# PE(20) (specs/plrnn.md §3.5) of the linear one-step model x_{t+1} = A x_t fitted by
# least squares on `generated`, evaluated on `truth` from every start.
a = np.linalg.lstsq(generated[:-1], generated[1:], rcond=None)[0].T
an = np.linalg.matrix_power(a, PE_N)
pred = truth[: ROWS - PE_N] @ an.T
pe = float(np.mean(((pred - truth[PE_N:]) / truth.std(axis=0)) ** 2))

# D_stsp, Gaussian-mixture version (specs/plrnn.md §3.3) on 6-dimensional series: two
# Lorenz orbits side by side, 400 rows; 100 Monte-Carlo draws, stored so that the Rust
# test uses the same ones.
six_truth = np.column_stack([truth[:400], generated[:400]])
six_generated = np.column_stack([generated[200:600], truth[200:600]])
rng = np.random.default_rng(2023)
mc_indices = rng.integers(0, 400, size=100)
mc_noise = rng.normal(size=(100, 6))


def d_stsp_gmm(x, g):
    mu, sd = x.mean(axis=0), x.std(axis=0)
    xs, gs = (x - mu) / sd, (g - mu) / sd
    s = xs[mc_indices] + mc_noise

    def density(c):
        d2 = ((s[:, None, :] - c[None, :, :]) ** 2).sum(axis=-1)
        return np.exp(-0.5 * d2).mean(axis=1)

    p, q = density(xs), density(gs)
    keep = (p > 0) & (q > 0)
    return float(np.mean(np.log(p[keep]) - np.log(q[keep])))


OUT.mkdir(parents=True, exist_ok=True)
header = "tx,ty,tz,fx,fy,fz,gx,gy,gz"
np.savetxt(
    OUT / "series.csv",
    np.column_stack([truth, forecast, generated]),
    delimiter=",",
    header=header,
    comments="",
    fmt="%.17g",
)
expected = {
    "source": "tools/metrics_fixture.py",
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "dt": DT,
    "lyapunov": LAMBDA,
    "threshold": THRESHOLD,
    "vpt_crossing_step": crossing,
    "vpt": vpt,
    "smape": float(smape),
    "d_stsp_truth_generated": d_stsp(truth, generated),
    "d_stsp_truth_forecast": d_stsp(truth, forecast),
    "d_h_truth_generated": d_h(truth, generated),
    "d_h_truth_forecast": d_h(truth, forecast),
    "pe_n": PE_N,
    "linear_model": a.tolist(),
    "pe": pe,
    "gmm_rows": 400,
    "gmm_indices": mc_indices.tolist(),
    "gmm_noise": mc_noise.ravel().tolist(),
    "d_stsp_gmm": d_stsp_gmm(six_truth, six_generated),
    "d_stsp_gmm_self": d_stsp_gmm(six_truth, six_truth),
}
(OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
print(json.dumps({k: v for k, v in expected.items() if not k.startswith(("linear", "gmm_"))}, indent=1))
