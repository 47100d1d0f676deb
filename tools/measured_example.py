"""Makes presets/data/rossler-recording.csv, the "measured-style" series of the
"Your own data" preset: the Rossler attractor (a = b = 0.2, c = 5.7) as an instrument
might log it -- a time stamp in seconds with jitter (the logger samples every 0.1 s on
average, each gap between 0.06 and 0.14 s), 1 % Gaussian noise on every channel
(relative to the channel's standard deviation), values rounded to 4 decimals.

The clean orbit comes from chaoslab itself on a fine grid (dt = 0.002), so the jittered
time stamps are exact grid times; only the Python standard library is used:

    cargo run --release -- simulate --system Rossler --t-end 400 --dt 0.002 \
        --out /tmp/rossler-fine.csv
    python3 tools/measured_example.py /tmp/rossler-fine.csv presets/data/rossler-recording.csv
"""

import csv
import random
import statistics
import sys

FINE_DT = 0.002
TRANSIENT_S = 40.0
NOISE = 0.01
SEED = 7


def main(src, dst):
    with open(src) as f:
        rows = [[float(v) for v in r] for r in list(csv.reader(f))[1:]]
    rng = random.Random(SEED)
    start = int(round(TRANSIENT_S / FINE_DT))
    picked, k = [], start
    while k < len(rows):
        picked.append(rows[k])
        k += rng.randint(30, 70)  # 0.06 .. 0.14 s at dt = 0.002
    cols = list(zip(*[r[1:] for r in picked]))
    sd = [statistics.pstdev(c) for c in cols]
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["time", "x", "y", "z"])
        t0 = picked[0][0]
        for r in picked:
            noisy = [v + rng.gauss(0.0, NOISE * s) for v, s in zip(r[1:], sd)]
            w.writerow([f"{r[0] - t0:.3f}"] + [f"{v:.4f}" for v in noisy])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
