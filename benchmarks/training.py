"""Training runs per second for P_SGD on the Boolean set-up: pfmap's kernels against plain torch, in the same run.

The set-up of Valle-Pérez et al. (2019) and Mingard et al. (2019, App. L):
7-40-40-1 ReLU on {0,1}^7 (128 inputs, MSB first), weights N(0, 1/fan_in),
biases N(0, 1); target ``0011`` x 32; |S| = 32 drawn with seed 0
(``pfmap.datasets.boolean_dataset(7, target, train_size=32, seed=0)``), E the
other 96 inputs; SGD, lr 0.01, batch 8, cross-entropy; each run stops at the
end of the first epoch at which it labels S correctly.

Printed, each timed in this process (the machine may be shared: the load
average is printed too, and only ratios measured side by side mean much):

* plain loop: one ``nn.Sequential`` and one ``torch.optim.SGD`` per run,
  ``torch.randperm`` minibatches, float32, as a user writes it;
* plain batched torch: all networks' weights stacked, ``bmm``, autograd,
  per-network shuffles, fitted networks masked out, float32;
* pfmap numba (``train_chunk``, the default on the CPU) and pfmap torch
  (``backend="torch"``), float64;
* the ratios of pfmap numba to both plain versions (target: >= 100x the plain
  loop), then ``train_table`` end to end on ``--table-runs`` runs (wall time,
  and 1e5 runs extrapolated linearly unless measured), with the mean test
  error and its standard error.  With ``--batch1-runs`` also batch 1 (the
  authors' committed mean test error for batch 1 is 0.0304, on their own S).

Run: python benchmarks/training.py [--plain-runs 10] [--batched-runs 1000] [--runs 4000] [--torch-runs 500]
     [--table-runs 1e4] [--batch1-runs 0] [--threads N]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

from pfmap import MLP, GaussianPrior
from pfmap.datasets import boolean_dataset
from pfmap.learning.training import train_chunk, train_table
from pfmap.validation import parse_count

ARCH = MLP(7, (40, 40), "relu", GaussianPrior(sigma_w=1, sigma_b=1, fan_in_scaling=True))
SETTINGS = dict(optimizer="sgd", lr=0.01, batch_size=8, loss="ce")
MAX_EPOCHS = 20_000


def boolean_setup():
    data = boolean_dataset(7, "0011" * 32, train_size=32, seed=0)
    return (data.points[data.train], data.labels[data.train], data.points[data.test], data.labels[data.test])


def plain_loop(runs: int, x, y, seed: int = 0) -> list[int]:
    """One network at a time: an nn.Module, an optimiser, a randperm per epoch (the baseline)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    X, Y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    epochs = []
    for _ in range(runs):
        net = nn.Sequential(nn.Linear(7, 40), nn.ReLU(), nn.Linear(40, 40), nn.ReLU(), nn.Linear(40, 1))
        with torch.no_grad():
            for layer in net:
                if isinstance(layer, nn.Linear):
                    layer.weight.normal_(0.0, 1.0 / math.sqrt(layer.in_features))
                    layer.bias.normal_(0.0, 1.0)
        opt = torch.optim.SGD(net.parameters(), lr=SETTINGS["lr"])
        loss_fn = nn.BCEWithLogitsLoss()
        for epoch in range(1, MAX_EPOCHS + 1):
            perm = torch.randperm(len(Y))
            for s in range(0, len(Y), SETTINGS["batch_size"]):
                idx = perm[s:s + SETTINGS["batch_size"]]
                opt.zero_grad()
                loss_fn(net(X[idx])[:, 0], Y[idx]).backward()
                opt.step()
            with torch.no_grad():
                if bool(((net(X)[:, 0] > 0).float() == Y).all()):
                    break
        epochs.append(epoch)
    return epochs


def plain_batched(runs: int, x, y, seed: int = 0) -> np.ndarray:
    """All networks at once: stacked weights, bmm, autograd, per-network shuffles, fitted networks masked."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    sizes = (7, 40, 40, 1)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append((torch.randn(runs, fan_in, fan_out, generator=gen) / math.sqrt(fan_in)).requires_grad_())
        params.append(torch.randn(runs, 1, fan_out, generator=gen).requires_grad_())
    X, Y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    m, batch = len(Y), SETTINGS["batch_size"]

    def forward(h):
        for k in range(0, len(params), 2):
            h = torch.baddbmm(params[k + 1], h, params[k])
            if k < len(params) - 2:
                h = torch.relu(h)
        return h[..., 0]

    active = torch.ones(runs, dtype=torch.bool)
    fit_epoch = np.full(runs, -1)
    for epoch in range(1, MAX_EPOCHS + 1):
        orders = torch.argsort(torch.rand(runs, m, generator=gen), dim=1)
        for s in range(0, m, batch):
            idx = orders[:, s:s + batch]
            z = forward(X[idx])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(z, Y[idx], reduction="none").mean(1).sum()
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= SETTINGS["lr"] * p.grad * active.view(-1, 1, 1)
        with torch.no_grad():
            fits = ((forward(X.expand(runs, m, 7)) > 0).float() == Y).all(dim=1)
        new = (fits & active).numpy()
        fit_epoch[new] = epoch
        active &= ~fits
        if not active.any():
            break
    return fit_epoch


def timed(fn, *args, **kwargs):
    """``fn``'s result, wall seconds and process CPU seconds (all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain-runs", default="10")
    parser.add_argument("--batched-runs", default="1000")
    parser.add_argument("--runs", default="4000")
    parser.add_argument("--torch-runs", default="500")
    parser.add_argument("--table-runs", default="1e4")
    parser.add_argument("--batch1-runs", default="0")
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: all)")
    args = parser.parse_args(argv)
    import numba
    import torch

    if args.threads:
        numba.set_num_threads(args.threads)
    x, y, xt, yt = boolean_setup()
    print(f"7-40-40-1 relu, |S| = 32, |E| = 96, target 0011x32, SGD lr 0.01 batch 8 CE; "
          f"{os.cpu_count()} CPUs, numba threads {numba.get_num_threads()}, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("                      runs/s (wall)   CPU ms per run   epochs/s")
    train_chunk(ARCH, x, y, xt, yt, runs=2, **SETTINGS)  # compile (or load) the kernel outside the timings
    train_chunk(ARCH, x, y, xt, yt, runs=2, backend="torch", **SETTINGS)
    rates = {}

    def show(name, runs, wall, cpu, epochs, note):
        """Record runs/s (wall), CPU s per run and epochs/s (wall): a run's cost is its number of epochs."""
        rates[name] = (runs / wall, cpu / runs, epochs / wall)
        print(f"{name:22s}{runs / wall:12.2f}{1e3 * cpu / runs:16.2f}{epochs / wall:14.0f}   {note}")

    n = parse_count(args.plain_runs, "plain_runs")
    threads = torch.get_num_threads()
    for t in sorted({threads, 1}, reverse=True):
        torch.set_num_threads(t)
        epochs, wall, cpu = timed(plain_loop, n, x, y)
        show(f"plain loop ({t} thr)", n, wall, cpu, np.sum(epochs), f"{n} runs, mean {np.mean(epochs):.0f} epochs")
    torch.set_num_threads(threads)
    plain = max((v for k, v in rates.items() if k.startswith("plain loop")), key=lambda v: v[0])
    n = parse_count(args.batched_runs, "batched_runs")
    fits, wall, cpu = timed(plain_batched, n, x, y)
    show("plain batched torch", n, wall, cpu, np.where(fits > 0, fits, MAX_EPOCHS).sum(),
         f"{n} runs, mean {fits[fits > 0].mean():.0f} epochs, {(fits < 0).sum()} unfitted")
    n = parse_count(args.runs, "runs")
    res, wall, cpu = timed(train_chunk, ARCH, x, y, xt, yt, runs=n, seed=1, **SETTINGS)
    show("pfmap numba", n, wall, cpu, res.epochs.sum(), f"{n} runs, mean {res.fit_epoch[res.fitted].mean():.0f} epochs")
    n = parse_count(args.torch_runs, "torch_runs")
    res_t, wall, cpu = timed(train_chunk, ARCH, x, y, xt, yt, runs=n, seed=1, backend="torch", **SETTINGS)
    same = np.array_equal(res_t.test_words, res.test_words[:n]) and np.array_equal(res_t.fit_epoch, res.fit_epoch[:n])
    show("pfmap torch", n, wall, cpu, res_t.epochs.sum(), f"{n} runs; the same functions and epochs as numba: {same}")
    ours, batched = rates["pfmap numba"], rates["plain batched torch"]
    default = rates[f"plain loop ({threads} thr)"]
    print(f"ratios of pfmap numba, per run (wall) / per epoch (wall) / per CPU second (runs): "
          f"to the plain loop as written ({threads} torch threads) {ours[0] / default[0]:.0f}x / "
          f"{ours[2] / default[2]:.0f}x / {default[1] / ours[1]:.0f}x; to the faster plain loop "
          f"{ours[0] / plain[0]:.0f}x / {ours[2] / plain[2]:.0f}x / {plain[1] / ours[1]:.0f}x (target >= 100x); "
          f"to plain batched torch {ours[0] / batched[0]:.1f}x / {ours[2] / batched[2]:.1f}x / "
          f"{batched[1] / ours[1]:.1f}x")
    print(f"pfmap torch to the faster plain loop: {rates['pfmap torch'][0] / plain[0]:.1f}x per run (wall)")

    n = parse_count(args.table_runs, "table_runs")
    df, wall, cpu = timed(train_table, ARCH, x, y, xt, yt, runs=n, seed=0, **SETTINGS)
    meta = df.attrs["pfmap"]
    print(f"train_table {n:.0e} runs: {wall:.1f} s wall, {cpu:.1f} s CPU ({n / wall:.0f} runs/s); 1e5 runs "
          f"{'measured' if n >= 1e5 else 'extrapolated'}: {wall * 1e5 / n / 60:.1f} min wall (target < 30 min); "
          f"{meta['fitted']} fitted, {meta['not_fitted']} not, {len(df)} functions, top P = "
          f"{df['probability'][0]:.4f}; mean test error {meta['mean_test_error']:.4f} +- "
          f"{meta['mean_test_error_stderr']:.4f}")
    n = parse_count(args.batch1_runs, "batch1_runs") if str(args.batch1_runs) != "0" else 0
    if n:
        df, wall, _ = timed(train_table, ARCH, x, y, xt, yt, runs=n, seed=0, **dict(SETTINGS, batch_size=1))
        meta = df.attrs["pfmap"]
        print(f"batch 1, {n} runs ({wall:.0f} s): mean test error {meta['mean_test_error']:.4f} +- "
              f"{meta['mean_test_error_stderr']:.4f} (the authors' committed value, on their own S: 0.0304)")


if __name__ == "__main__":
    main()
