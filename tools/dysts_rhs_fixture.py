#!/usr/bin/env python3
"""Write the independent-implementation fixture for the catalog's right-hand sides.

Evaluates the dysts Python package (PyPI `dysts==0.96`, whose data files are
byte-identical to the reference snapshot's; Gilpin, Apache-2.0) at three states per catalog system and writes
`src/systems/testdata/dysts_rhs.json`: for each system the parameters dysts used (sorted
keys, vectors flattened row-major), the states, dysts' right-hand side (flows) or next
iterate (maps), and dysts' output map where it has one. The Rust test
`systems::dysts_parity` compares chaoslab's compiled equations against it.

Needs numpy, scipy and dysts (not the standard library), so it is run by hand:
    python3 -m venv /tmp/dvenv && /tmp/dvenv/bin/pip install numpy scipy
    /tmp/dvenv/bin/pip install --no-deps dysts==0.96
    /tmp/dvenv/bin/python tools/dysts_rhs_fixture.py
"""

import json
import math
from pathlib import Path

import sys
import types

import numpy as np

# dysts 0.96 imports gluonts (a forecasting library) for its dataset writer, which the
# right-hand sides never use; a stub module keeps that heavy dependency out.
for mod in ("gluonts", "gluonts.dataset", "gluonts.dataset.arrow"):
    sys.modules.setdefault(mod, types.ModuleType(mod))
sys.modules["gluonts.dataset.arrow"].ArrowWriter = object

import dysts.flows as flows  # noqa: E402
import dysts.maps as maps  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RENAMED = {"DuffingMap": "Duffing"}


def states(x0):
    """The initial condition and two deterministic perturbations of it."""
    x0 = [float(v) for v in x0]
    out = [x0]
    for k in (1, 2):
        out.append(
            [
                v * (1 + 0.05 * k * math.sin(1.3 * j + k)) + 0.01 * k * math.cos(j + k)
                for j, v in enumerate(x0)
            ]
        )
    return out


def flat_params(model):
    vals = []
    for v in model.param_list:
        vals.extend(np.ravel(np.asarray(v, dtype=float)).tolist())
    return vals


def main():
    catalog = json.loads((ROOT / "presets/systems.json").read_text())
    out = {}
    for s in catalog["systems"]:
        name = s["name"]
        dname = RENAMED.get(name, name)
        module = maps if s["kind"] == "map" else flows
        if not hasattr(module, dname):
            continue  # VanDerPol (not in dysts)
        model = getattr(module, dname)()
        rows = []
        for x in states(s["initial_conditions"]):
            xa = np.array(x, dtype=float)
            if s["kind"] == "delay":
                # chaoslab evaluates a delay system at the pair [x(t), x(t - tau)]: take
                # the embedding's first and last entries as that pair.
                pair = [x[0], x[-1]]
                f = np.ravel(np.array(model._rhs(pair[0], pair[1], 0.0, *model.param_list), dtype=float))
                rows.append({"state": pair, "rhs": [float(v) for v in f]})
                continue
            if name == "Torus":
                # chaoslab carries Torus' absolute time as a fourth (clock) state.
                f = list(model._rhs(*xa[:3], xa[3], *model.param_list)) + [1.0]
                rows.append({"state": x, "rhs": [float(v) for v in f], "output": x[:3]})
                continue
            if s["kind"] == "map":
                f = np.ravel(np.array(model._rhs(*xa, *model.param_list), dtype=float))
            else:
                try:
                    f = model._rhs(*xa, 0.0, *model.param_list)
                except TypeError:  # vector systems override rhs(X, t) instead of _rhs
                    f = model.rhs(xa, 0.0)
                f = np.ravel(np.array(f, dtype=float))
            row = {"state": x, "rhs": [float(v) for v in f]}
            if hasattr(model, "_postprocessing"):
                row["output"] = [float(v) for v in model._postprocessing(*xa)]
            rows.append(row)
        out[name] = {"params": flat_params(model), "points": rows}
    path = ROOT / "src/systems/testdata/dysts_rhs.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"source": "dysts 0.96 (PyPI)", "systems": out}, indent=1) + "\n")
    print(f"wrote {len(out)} systems to {path}")


if __name__ == "__main__":
    main()
