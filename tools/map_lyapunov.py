#!/usr/bin/env python3
"""Measure the largest Lyapunov exponent of every map in the catalog with chaoslab itself
and write `presets/measured/map_lyapunov.json`, which `tools/gen_catalog.py` puts into
the maps' `max_lyapunov` (dysts publishes no Lyapunov estimates for its maps).

Each value is `chaoslab lyapunov --system NAME --json` at the catalog defaults: the QR
method on the exact dual-number Jacobian, 100 000 iterations after 1 000 of transient.

Usage (after `cargo build --release`):  python3 tools/map_lyapunov.py
"""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target/release/chaoslab"


def main() -> int:
    catalog = json.loads((ROOT / "presets/systems.json").read_text())
    out = {}
    for s in catalog["systems"]:
        if s["kind"] != "map":
            continue
        res = subprocess.run(
            [str(BIN), "lyapunov", "--system", s["name"], "--json"],
            check=True, capture_output=True, text=True,
        )
        lam = json.loads(res.stdout)["exponents"][0]
        out[s["name"]] = round(lam, 6)
        print(f"{s['name']}: {lam:.6f}")
    path = ROOT / "presets/measured/map_lyapunov.json"
    path.write_text(json.dumps({
        "source": "chaoslab lyapunov (QR method, exact Jacobian, 1e5 iterations after 1e3)",
        "max_lyapunov": out,
    }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
