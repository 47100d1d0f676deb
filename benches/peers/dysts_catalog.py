"""dysts peer for `chaoslab bench catalog`: integrate every dysts flow for P periods at K
points per period with dysts' own `make_trajectory` and report the wall time.

dysts (William Gilpin, Apache-2.0; PyPI `dysts==0.96`) integrates with scipy's
`solve_ivp` (default: Radau, rtol = atol = 1e-12) and delay systems with its vendored
`ddeint`. Run it with dysts' defaults (what its users get) and with the tolerances and
explicit method chaoslab uses by default (`--method RK45 --rtol 1e-9 --atol 1e-12`):

    python3 -m venv /tmp/dvenv && /tmp/dvenv/bin/pip install numpy scipy numba tqdm scikit-learn
    /tmp/dvenv/bin/pip install --no-deps dysts==0.96
    /tmp/dvenv/bin/python benches/peers/dysts_catalog.py --periods 10 --points-per-period 100
    chaoslab bench catalog --periods 10 --points-per-period 100 --json

`total_cpu_s` (the process's CPU time) is the figure to compare on a shared machine.
Each system gets at most `--limit` seconds (SIGALRM); a system over the limit counts as
a failure with that time, so the total is a lower bound on dysts' time. Prints one JSON
object. Never needed by `cargo test`.
"""

import argparse
import json
import signal
import sys
import time
import types
import warnings

# dysts 0.96 imports gluonts for its dataset writer, which trajectories never use.
for mod in ("gluonts", "gluonts.dataset", "gluonts.dataset.arrow"):
    sys.modules.setdefault(mod, types.ModuleType(mod))
sys.modules["gluonts.dataset.arrow"].ArrowWriter = object

import dysts.flows as flows  # noqa: E402
from dysts.systems import get_attractor_list  # noqa: E402


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--periods", type=float, default=10)
    ap.add_argument("--points-per-period", type=int, default=100)
    ap.add_argument("--method", default=None, help="solve_ivp method (dysts default: Radau)")
    ap.add_argument("--rtol", type=float, default=None)
    ap.add_argument("--atol", type=float, default=None)
    ap.add_argument("--limit", type=float, default=120, help="seconds per system")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGALRM, on_alarm)
    n = int(round(args.periods * args.points_per_period))
    kwargs = {"pts_per_period": args.points_per_period}
    for k in ("method", "rtol", "atol"):
        if getattr(args, k) is not None:
            kwargs[k] = getattr(args, k)
    times, failures = {}, []
    started = time.perf_counter()
    cpu_started = time.process_time()
    for name in get_attractor_list("continuous"):
        model = getattr(flows, name)()
        t0 = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, args.limit)
        try:
            sol = model.make_trajectory(n, **kwargs)
            if sol is None:
                failures.append({"system": name, "error": "incomplete trajectory"})
        except Timeout:
            failures.append({"system": name, "error": f"over {args.limit} s"})
        except Exception as e:  # noqa: BLE001 - report every failure, keep going
            failures.append({"system": name, "error": repr(e)[:200]})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        times[name] = time.perf_counter() - t0
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    slowest = sorted(times.items(), key=lambda kv: -kv[1])[:5]
    print(json.dumps({
        "tool": "dysts 0.96",
        "settings": kwargs | {"n": n},
        "systems": len(times),
        "total_wall_s": total,
        "total_cpu_s": cpu,
        "slowest": slowest,
        "failures": failures,
    }, indent=1))


if __name__ == "__main__":
    main()
