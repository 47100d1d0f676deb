"""Reference values of D_stsp and D_H from an independent numpy/scipy implementation.

Writes tests/fixtures/plrnn/metric_pair.csv (columns x,y,z of a "true" Lorenz-63 orbit
and u,v,w of a second orbit from another start, 1500 rows each, dt = 0.03, integrated
with scipy's solve_ivp after a transient, written with 6 decimals) and
tests/fixtures/plrnn/metric_pair.json (the metrics of the CSV's values as parsed back).
The definitions are those of specs/plrnn.md §3.2 and §3.4 (Hess et al., ICML 2023):
  D_stsp: box [min - 0.1σ, max + 0.1σ] of the true data per dimension (σ with ddof=1),
          n_b left-closed bins per dimension, generated points outside dropped, Laplace
          smoothing 1e-5 over all n_b^N cells, KL(p_true || p_gen) in nats.
  D_H:    per dimension z-score (ddof=1), |rfft|^2, scipy.ndimage.gaussian_filter1d
          (mode 'reflect', truncate 4), clamp at 0, normalise, Hellinger distance;
          mean over dimensions.
chaoslab's src/eval/stsp.rs and src/eval/power_spectrum.rs must reproduce them to 1e-9.

Run: /tmp/dvenv/bin/python tools/plrnn_metrics_fixture.py   (numpy, scipy)
"""

import json
import pathlib

import numpy as np
from scipy.integrate import solve_ivp
from scipy.ndimage import gaussian_filter1d

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "plrnn"
ROWS, DT = 1500, 0.03


def lorenz(_t, s, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    x, y, z = s
    return [sigma * (y - x), x * (rho - z) - y, x * y - beta * z]


def orbit(start):
    t = np.arange(ROWS) * DT + 20.0
    sol = solve_ivp(lorenz, (0.0, t[-1]), start, t_eval=t, rtol=1e-10, atol=1e-12)
    return sol.y.T


def d_stsp(x, y, bins, laplace=1e-5):
    n = x.shape[1]
    sigma = x.std(axis=0, ddof=1)
    lo = x.min(axis=0) - 0.1 * sigma
    width = (x.max(axis=0) + 0.1 * sigma - lo) / bins

    def hist(z):
        idx = np.floor((z - lo) / width).astype(np.int64)
        idx = idx[np.all((idx >= 0) & (idx < bins), axis=1)]
        return np.bincount(np.ravel_multi_index(idx.T, (bins,) * n), minlength=bins**n)

    h, g = hist(x).astype(float), hist(y).astype(float)
    k = bins**n
    p = (h + laplace) / (h.sum() + laplace * k)
    q = (g + laplace) / (g.sum() + laplace * k)
    return float(np.sum(p * np.log(p / q)))


def spectrum(col, sigma):
    col = (col - col.mean()) / col.std(ddof=1)
    power = np.abs(np.fft.rfft(col)) ** 2
    smooth = np.clip(gaussian_filter1d(power, sigma, mode="reflect", truncate=4.0), 0, None)
    return smooth / smooth.sum()


def d_h(x, y, sigma):
    h = []
    for j in range(x.shape[1]):
        p, q = spectrum(x[:, j], sigma), spectrum(y[:, j], sigma)
        h.append(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2.0))
    return float(np.mean(h))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    both = np.hstack([orbit([1.0, 1.0, 20.0]), orbit([-3.0, 4.0, 30.0])])
    csv = OUT / "metric_pair.csv"
    np.savetxt(csv, both, fmt="%.6f", delimiter=",", header="x,y,z,u,v,w", comments="")
    both = np.loadtxt(csv, delimiter=",", skiprows=1)
    x, y = both[:, :3], both[:, 3:]
    ref = {
        "source": "tools/plrnn_metrics_fixture.py (numpy %s)" % np.__version__,
        "d_stsp_30_bins": d_stsp(x, y, 30),
        "d_stsp_8_bins": d_stsp(x, y, 8),
        "d_stsp_30_bins_xy": d_stsp(x[:, :2], y[:, :2], 30),
        "d_h_sigma_20": d_h(x, y, 20.0),
        "d_h_sigma_5": d_h(x, y, 5.0),
    }
    (OUT / "metric_pair.json").write_text(json.dumps(ref, indent=2) + "\n")
    print(json.dumps(ref, indent=2))


if __name__ == "__main__":
    main()
