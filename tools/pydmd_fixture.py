"""Exact-DMD reference fixture from PyDMD (an independent implementation).

Writes tests/fixtures/koopman/dmd_signal.csv (a 6-channel signal: three damped
oscillations mixed by a fixed random matrix plus 1e-3 noise, dt = 0.1, 400 samples) and
tests/fixtures/koopman/dmd_pydmd.json (PyDMD `DMD(svd_rank=r, exact=True)` eigenvalues
for r = 2, 4, 6 on all 399 snapshot pairs). chaoslab's exact DMD with a fixed rank and no
residual hold-out must match them to 1e-8 (src/models/dmd/fit.rs).

Run: python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install pydmd
     /tmp/kvenv/bin/python tools/pydmd_fixture.py
PyDMD: https://github.com/PyDMD/PyDMD (MIT); version recorded in the JSON.
"""

import importlib.metadata
import json
import pathlib

import numpy as np
from pydmd import DMD

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "koopman"
DT, SAMPLES, CHANNELS = 0.1, 400, 6

rng = np.random.default_rng(2026)
t = np.arange(SAMPLES) * DT
# Continuous-time eigenvalues -0.05 ± 1.3i, -0.2 ± 3.1i, -0.02 ± 0.4i.
tones = [(-0.05, 1.3, 0.3), (-0.2, 3.1, 1.1), (-0.02, 0.4, 2.0)]
latent = []
for growth, freq, phase in tones:
    latent.append(np.exp(growth * t) * np.cos(freq * t + phase))
    latent.append(np.exp(growth * t) * np.sin(freq * t + phase))
latent = np.array(latent)  # 6 x SAMPLES
mix = rng.normal(size=(CHANNELS, 6))
x = mix @ latent + 1e-3 * rng.normal(size=(CHANNELS, SAMPLES))

OUT.mkdir(parents=True, exist_ok=True)
header = "t," + ",".join(f"x{j}" for j in range(CHANNELS))
rows = np.column_stack([t, x.T])
np.savetxt(OUT / "dmd_signal.csv", rows, delimiter=",", header=header, comments="", fmt="%.17g")

# Re-read what was written so the reference sees exactly the CSV's numbers.
data = np.loadtxt(OUT / "dmd_signal.csv", delimiter=",", skiprows=1)[:, 1:].T
expected = {"pydmd_version": importlib.metadata.version("pydmd"),
            "dt": DT, "ranks": {}}
for rank in (2, 4, 6):
    dmd = DMD(svd_rank=rank, exact=True)
    dmd.fit(data)
    eigs = sorted(dmd.eigs, key=lambda z: (-abs(z), -z.imag))
    expected["ranks"][str(rank)] = [[float(z.real), float(z.imag)] for z in eigs]
(OUT / "dmd_pydmd.json").write_text(json.dumps(expected, indent=1) + "\n")
print(json.dumps(expected, indent=1))
