"""PyTorch peer of `chaoslab bench plrnn`: the same clipped shPLRNN, GTF forcing, batch,
loss and RAdam, timed in gradient steps per second on the CPU.

Usage:
    chaoslab bench plrnn --out /tmp/plrnn_ref.json --json      # ours (+ reference batch)
    python3 benches/peers/plrnn_torch.py /tmp/plrnn_ref.json   # the peer

The model (Hess et al., ICML 2023; specs/plrnn.md §1.3, §2.1, §2.4), M = N = 3:
    z_t  = A * zeta_{t-1} + W1 [relu(W2 zeta_{t-1} + h2) - relu(W2 zeta_{t-1})] + h1
    zeta_t = (1 - alpha) z_t + alpha x_t          (zeta_1 = x_1)
    loss = mean((z_t - x_t)^2 over batch, t = 2..T+1, dims)
           + lam (|1 - A|^2 + |W1|^2 + |W2|^2 + |h1|^2 + |h2|^2)
Gradients by autograd; torch.optim.RAdam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8).

1. Equality check (float64): loads chaoslab's parameters and first batch from the JSON
   file, computes the loss and its gradient, and compares with chaoslab's numbers.
2. Timing (float32, like chaoslab's default kernel): `--steps` gradient steps on random
   windows of the same batch shape after 10 untimed ones, torch.set_num_threads(2).
Prints one JSON object.
"""

import argparse
import json
import time

import numpy as np
import torch


def clipped_shplrnn_loss(p, batch, alpha, lam):
    """GTF loss of a batch (S x (T+1) x N) for parameters p (dict of tensors)."""
    x = batch
    zeta = x[:, 0, :]
    sse = 0.0
    steps = x.shape[1] - 1
    for t in range(1, steps + 1):
        v = zeta @ p["W2"].T
        z = p["A"] * zeta + (torch.relu(v + p["h2"]) - torch.relu(v)) @ p["W1"].T + p["h1"]
        target = x[:, t, :]
        sse = sse + ((z - target) ** 2).sum()
        zeta = (1.0 - alpha) * z + alpha * target
    mse = sse / (x.shape[0] * steps * x.shape[2])
    reg = ((1.0 - p["A"]) ** 2).sum() + sum((p[k] ** 2).sum() for k in ("W1", "W2", "h1", "h2"))
    return mse + lam * reg


def parameters(ref, dtype):
    m, l = ref["latent"], ref["hidden"]
    shapes = {"A": (m,), "W1": (m, l), "W2": (l, m), "h1": (m,), "h2": (l,)}
    return {
        k: torch.tensor(np.array(ref[k]).reshape(s), dtype=dtype, requires_grad=True)
        for k, s in shapes.items()
    }


def equality(ref):
    p = parameters(ref, torch.float64)
    batch = torch.tensor(np.array(ref["batch"]), dtype=torch.float64)
    loss = clipped_shplrnn_loss(p, batch, ref["alpha"], ref["regularization"])
    loss.backward()
    worst = 0.0
    for k, t in p.items():
        ours = np.array(ref["grad"][k]).reshape(t.shape)
        theirs = t.grad.numpy()
        worst = max(worst, float(np.abs(ours - theirs).max() / (np.abs(theirs).max() + 1e-300)))
    value = loss.item()
    return value, abs(value - ref["loss"]) / abs(ref["loss"]), worst


def timing(ref, steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    data = torch.tensor(np.array(ref["batch"]), dtype=torch.float32).reshape(-1, 3)
    # Windows are drawn from the reference batch's samples, concatenated (the values do
    # not change the cost of a step).
    rows = data.shape[0]
    s, window = len(ref["batch"]), len(ref["batch"][0])
    p = {k: v.detach().float().requires_grad_(True) for k, v in parameters(ref, torch.float64).items()}
    opt = torch.optim.RAdam(p.values(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    seconds = 0.0
    for step in range(steps + 10):
        starts = rng.integers(0, rows - window + 1, size=s)
        batch = torch.stack([data[a : a + window] for a in starts])
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = clipped_shplrnn_loss(p, batch, ref["alpha"], ref["regularization"])
        loss.backward()
        opt.step()
        if step >= 10:
            seconds += time.perf_counter() - t0
    return steps / seconds, loss.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reference", help="the JSON file written by chaoslab bench plrnn --out")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with open(args.reference) as f:
        ref = json.load(f)
    loss, loss_rel, grad_rel = equality(ref)
    per_second, last = timing(ref, args.steps, args.threads)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": args.threads,
                "batch": len(ref["batch"]),
                "seq_len": len(ref["batch"][0]) - 1,
                "hidden": ref["hidden"],
                "alpha": ref["alpha"],
                "loss_f64": loss,
                "loss_relative_difference": loss_rel,
                "gradient_max_relative_difference": grad_rel,
                "steps": args.steps,
                "steps_per_second": per_second,
                "final_loss": last,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
