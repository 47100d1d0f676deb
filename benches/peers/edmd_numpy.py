"""numpy/LAPACK peer of `chaoslab bench edmd`: the same EDMD steps on the same data.

Usage:
    chaoslab bench edmd --n 300 --m 10000 --out-dir /tmp/edmd10k --json
    python3 benches/peers/edmd_numpy.py /tmp/edmd10k

Reads x.npy (the M + 1 Lorenz states) and params.json (centring, scaling, k-means
centres and width of the Gaussian RBF dictionary chaoslab fitted, plus chaoslab's own
timings), then times, fastest of 3 like chaoslab:
  1. Psi_X, Psi_Y: rows sqrt(1/M) [1, u, exp(-|u - c_k|^2 / (2 h^2))], u = (x - mean)/scale
  2. K by column-pivoted QR least squares (scipy.linalg.qr(pivoting=True), LAPACK geqp3,
     then a triangular solve), as chaoslab does
  3. numpy.linalg.eig(K) (LAPACK geev)
  4. the residual |(Psi_Y - lam Psi_X) c| / |Psi_X c| of every eigenpair
Prints the timings, the ratio chaoslab/numpy per step and in total, and checks that the
leading eigenvalues agree. Threads: whatever BLAS uses (set OMP_NUM_THREADS to match).
"""

import json
import pathlib
import sys
import time

import numpy as np
import scipy.linalg


def steps(x, p):
    m = x.shape[0] - 1
    mean, scale = np.array(p["mean"]), np.array(p["scale"])
    dim = mean.size
    centres = np.array(p["centres"]).reshape(-1, dim)
    h2 = 2.0 * p["width"] ** 2
    sw = np.sqrt(1.0 / m)

    t0 = time.perf_counter()

    def psi(states):
        u = (states - mean) / scale
        d2 = (u * u).sum(1)[:, None] - 2.0 * u @ centres.T + (centres * centres).sum(1)[None, :]
        parts = [np.ones((states.shape[0], 1)), u] if p["state"] else []
        return sw * np.hstack(parts + [np.exp(-np.maximum(d2, 0.0) / h2)])

    px, py = psi(x[:-1]), psi(x[1:])
    t1 = time.perf_counter()
    q, r, piv = scipy.linalg.qr(px, mode="economic", pivoting=True)
    z = scipy.linalg.solve_triangular(r, q.T @ py)
    k = np.empty_like(z)
    k[piv, :] = z
    t2 = time.perf_counter()
    lam, vecs = np.linalg.eig(k)
    t3 = time.perf_counter()
    gx, gy = px @ vecs, py @ vecs
    res = np.linalg.norm(gy - gx * lam[None, :], axis=0) / np.linalg.norm(gx, axis=0)
    t4 = time.perf_counter()
    return [t1 - t0, t2 - t1, t3 - t2, t4 - t3], lam, res


def main():
    d = pathlib.Path(sys.argv[1])
    x = np.load(d / "x.npy")
    p = json.loads((d / "params.json").read_text())
    best, lam, res = None, None, None
    for _ in range(3):
        t, lam, res = steps(x, p)
        if best is None or sum(t) < sum(best):
            best = t
    ours = p["rust"]
    names = ["dictionary", "lstsq", "eig", "residual"]
    out = {"n": ours["n"], "m": ours["m"], "numpy": dict(zip(names, best)), "numpy_total": sum(best)}
    out["ratio"] = {n: ours[f"{n}_seconds"] / b for n, b in zip(names, best)}
    out["ratio_total"] = ours["total_seconds"] / sum(best)
    order = np.argsort(-np.abs(lam))[:6]
    lead = [[float(lam[j].real), float(lam[j].imag), float(res[j])] for j in order]
    out["leading_numpy"] = lead
    # Real data: compare with chaoslab's values and their conjugates (a pair may be cut
    # in half by the top-6 selection).
    theirs = [complex(b[0], s * b[1]) for b in ours["leading"] for s in (1, -1)]
    out["max_leading_diff"] = max(min(abs(complex(a[0], a[1]) - b) for b in theirs) for a in lead)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
