"""Time to a good model: the whole default ``python -m vae train`` against plain PyTorch.

``python -m benchmarks.time_to_model [--data digits mnist-5k] [--rounds 2]``

For each data set, in alternating rounds of one run:

- **ours**: the wall time of ``python -m vae train --dataset NAME --out DIR`` with
  the defaults, from the moment the process is started to its exit (interpreter,
  imports, data, training, the end-of-run summary), and its final test ELBO. The
  wall time at which each epoch record appeared (the run folder is polled every
  50 ms) gives its ELBO-against-wall-time curve.
- **plain**: ``benchmarks/plain_vae.py``, a minimal PyTorch VAE of the same
  network on the same split (written to an ``.npz`` before either clock starts),
  Adam at 1e-3, batch 64, at the thread count ours recorded in its
  ``config.json``, trained until its test ELBO (measured after each epoch, clock
  paused) reaches ours; its time counts from its process start too.

``ratio`` is ours over plain (median over rounds); below 1, ours is faster to the
same test ELBO. A plain run that never reaches ours within 6× our wall time gives no
ratio; ``ratio_at_most`` then bounds it (ours over the time plain ran). ``--ours-root`` runs another checkout's CLI (an older commit in a
``git worktree``) for a before/after comparison in one run; ``--label`` names it.
Prints one JSON object; ``--save`` keeps it in ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import PYTHON, RESULTS, ROOT, load_average, machine

PLAIN = ROOT / "benchmarks" / "plain_vae.py"


def write_split(name: str, path: Path) -> dict[str, object]:
    """The data set's train/test images, as the CLI splits them (seed 0), to ``path``."""
    from vae.data import load_dataset
    from vae.training.configs import configs_for

    data = load_dataset(name)
    np.savez(path, x_train=data.train.x.numpy(), x_test=data.test.x.numpy())
    model_config, _, _ = configs_for({"dataset": name}, data)
    return {
        "hidden": ",".join(str(h) for h in model_config.hidden_dims),
        "latent": model_config.latent_dim,
    }


def run_ours(name: str, root: Path, out: Path) -> dict[str, object]:
    """The default training command, timed from process start to exit, with its curve."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    start = time.time()
    proc = subprocess.Popen(
        [PYTHON, "-m", "vae", "train", "--dataset", name, "--out", str(out), "--quiet"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    from vae.runs.store import read_metrics

    seen: dict[int, float] = {}
    while proc.poll() is None:
        now = time.time() - start
        for record in read_metrics(out, "epoch"):
            seen.setdefault(record["epoch"], now)
        time.sleep(0.05)
    wall = time.time() - start
    if proc.returncode != 0:
        raise RuntimeError(f"ours failed on {name}: {proc.stderr.read()[-2000:]}")
    records = read_metrics(out, "epoch")
    config = json.loads((out / "config.json").read_text())
    curve = [[round(seen.get(r["epoch"], wall), 2), round(r["test_elbo"], 3)] for r in records]
    train, model = config.get("train", {}), config.get("model", {})
    return {
        # The settings the run took (its config.json): an older checkout's defaults too.
        "defaults": {
            "epochs": train.get("epochs"),
            "batch_size": train.get("batch_size"),
            "lr": train.get("lr"),
            "beta_schedule": model.get("beta_schedule"),
            "warmup_fraction": model.get("warmup_fraction"),
        },
        "wall_s": round(wall, 2),
        "test_elbo": records[-1]["test_elbo"],
        "epochs": records[-1]["epoch"],
        "threads": config.get("threads"),
        "curve": curve,
    }


def run_plain(split: Path, shape: dict, target: float, threads: int, limit_s: float) -> dict:
    """The plain script until its test ELBO reaches ``target`` (or ``limit_s``)."""
    start = time.time()
    result = subprocess.run(
        [PYTHON, str(PLAIN), "--data", str(split), "--hidden", str(shape["hidden"]),
         "--latent", str(shape["latent"]), "--target", repr(target), "--t0", repr(start),
         "--threads", str(threads), "--max-seconds", str(limit_s)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    reached = next((r for r in lines if r["test_elbo"] >= target), None)
    return {
        "reached": reached is not None,
        "seconds_to_target": None if reached is None else reached["seconds"],
        "epochs_to_target": None if reached is None else reached["epoch"],
        "best_test_elbo": max(r["test_elbo"] for r in lines),
        "last_seconds": lines[-1]["seconds"],
        "curve": [[r["seconds"], round(r["test_elbo"], 3)] for r in lines],
    }


def _thin(curve: list, n: int = 40) -> list:
    if len(curve) <= n:
        return curve
    step = (len(curve) - 1) / (n - 1)
    return [curve[round(i * step)] for i in range(n)]


def measure(name: str, root: Path, rounds: int, tmp: Path) -> dict[str, object]:
    split = tmp / f"{name}.npz"
    shape = write_split(name, split)
    ours_runs, plain_runs = [], []
    for i in range(rounds):
        ours = run_ours(name, root, tmp / f"{name}-{i}")
        plain = run_plain(
            split, shape, ours["test_elbo"], int(ours["threads"] or 1), limit_s=6 * ours["wall_s"]
        )
        ours_runs.append(ours)
        plain_runs.append(plain)
    ratios = [
        o["wall_s"] / p["seconds_to_target"]
        for o, p in zip(ours_runs, plain_runs, strict=True)
        if p["reached"]
    ]
    return {
        "network": f"MLP {shape['hidden']}, {shape['latent']} latents",
        "defaults": ours_runs[-1]["defaults"],
        "ours_wall_s": [o["wall_s"] for o in ours_runs],
        "ours_test_elbo": [round(o["test_elbo"], 3) for o in ours_runs],
        "ours_threads": [o["threads"] for o in ours_runs],
        "plain_seconds_to_ours_elbo": [p["seconds_to_target"] for p in plain_runs],
        "plain_epochs_to_ours_elbo": [p["epochs_to_target"] for p in plain_runs],
        "plain_reached": [p["reached"] for p in plain_runs],
        "plain_best_test_elbo": [round(p["best_test_elbo"], 3) for p in plain_runs],
        "ratio": round(statistics.median(ratios), 3) if ratios else None,
        "ratios": [round(r, 3) for r in ratios],
        # Where plain never reached ours (in 6× our wall time), the ratio is below ours over
        # the time plain was given.
        "ratio_at_most": [
            round(o["wall_s"] / p["last_seconds"], 3)
            for o, p in zip(ours_runs, plain_runs, strict=True)
            if not p["reached"]
        ],
        "ours_curve": ours_runs[-1]["curve"],
        "plain_curve": _thin(plain_runs[-1]["curve"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["digits", "mnist-5k"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ours-root", type=Path, default=ROOT)
    parser.add_argument("--label", default="current")
    parser.add_argument("--save", type=Path, help="file name under benchmarks/results/")
    args = parser.parse_args()
    out: dict[str, object] = {
        "benchmark": "time_to_model",
        "label": args.label,
        "ours_root": str(args.ours_root),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_1min_before": load_average(),
    }
    with tempfile.TemporaryDirectory(prefix="time-to-model-") as tmp:
        for name in args.data:
            out[name] = measure(name, args.ours_root.resolve(), args.rounds, Path(tmp))
    out["load_1min_after"] = load_average()
    text = json.dumps(out, indent=1)
    print(text)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / args.save).write_text(text + "\n")


if __name__ == "__main__":
    main()
