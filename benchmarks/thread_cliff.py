"""Why two torch threads collapse when another process holds one of two cores.

``python -m benchmarks.thread_cliff [--seconds S] [--rounds R]`` times the
training steps of ``python -m vae bench`` (conv 64×64 fp32 and bf16, the MLP)
in fresh processes, one per variant, because OpenMP reads its wait policy
(``OMP_WAIT_POLICY``, ``GOMP_SPINCOUNT``; ``KMP_BLOCKTIME`` for Intel's
runtime) only when torch is imported:

- 1 thread and 2 threads with torch's defaults (GNU OpenMP here);
- 2 threads with ``OMP_WAIT_POLICY=PASSIVE`` / ``ACTIVE``, ``GOMP_SPINCOUNT=0``
  and ``KMP_BLOCKTIME=0``;
- 2 threads with oneDNN off (``torch.backends.mkldnn.enabled = False``);

(bf16 only on CPUs with native bf16, where training uses it);

each quiet and with one core kept busy by a child process
(``python -c "while True: pass"``), in alternating rounds, medians reported.
Prints one JSON object and keeps it in ``benchmarks/results/thread_cliff.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks.common import PYTHON, ROOT, emit, load_average, machine

VARIANTS: dict[str, tuple[int, dict[str, str], bool]] = {
    # name: (threads, environment, oneDNN on)
    "1 thread": (1, {}, True),
    "2 threads": (2, {}, True),
    "2 threads, OMP_WAIT_POLICY=PASSIVE": (2, {"OMP_WAIT_POLICY": "PASSIVE"}, True),
    "2 threads, OMP_WAIT_POLICY=ACTIVE": (2, {"OMP_WAIT_POLICY": "ACTIVE"}, True),
    "2 threads, GOMP_SPINCOUNT=0": (2, {"GOMP_SPINCOUNT": "0"}, True),
    "2 threads, KMP_BLOCKTIME=0": (2, {"KMP_BLOCKTIME": "0"}, True),
    "2 threads, oneDNN off": (2, {}, False),
}

# Run inside each fresh process: the figures of vae.bench.speed's training steps.
CHILD = """
import json, sys, time, torch
n_threads, mkldnn, seconds = int(sys.argv[1]), sys.argv[2] == "1", float(sys.argv[3])
torch.backends.mkldnn.enabled = mkldnn
torch.set_num_threads(n_threads)
from vae.bench import speed as bench
from vae.model.config import VAEConfig
from vae.model.autoencoder import VAE
torch.manual_seed(0)
conv_batch = torch.rand(bench.CONV_BATCH, *bench.CONV_SHAPE).round()
from vae.training.device import bf16_is_fast
out = {}
# bf16 only where training uses it (native bf16): emulated, it is many times slower.
dtypes = (("conv_fp32", torch.float32), ("conv_bf16", torch.bfloat16))
for name, dtype in dtypes if bf16_is_fast(torch.device("cpu")) else dtypes[:1]:
    model = VAE(VAEConfig(latent_dim=bench.CONV_LATENT, architecture="conv"), bench.CONV_SHAPE)
    model.train_dtype = dtype
    n, elapsed = bench._timed(bench.training_step(model, conv_batch), seconds, warmup=1)
    out[name + "_steps_per_s"] = n / elapsed
mlp = VAE(VAEConfig(latent_dim=bench.MLP_LATENT, hidden_dims=bench.MLP_HIDDEN), bench.MLP_SHAPE)
step = bench.training_step(mlp, torch.rand(bench.MLP_BATCH, *bench.MLP_SHAPE).round())
n, elapsed = bench._timed(step, seconds, warmup=1)
out["mlp_samples_per_s"] = n / elapsed * bench.MLP_BATCH
out["threads"] = torch.get_num_threads()
print(json.dumps(out))
"""

BUSY = [PYTHON, "-c", "while True: pass"]


def measure(n_threads: int, env: dict[str, str], mkldnn: bool, seconds: float) -> dict:
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    for name in ("OMP_NUM_THREADS", "VAE_LAB_THREADS"):
        full_env.pop(name, None)
    out = subprocess.run(
        [PYTHON, "-c", CHILD, str(n_threads), "1" if mkldnn else "0", str(seconds)],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="per figure per process")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", nargs="*", choices=sorted(VARIANTS), default=None)
    args = parser.parse_args()
    names = args.only or list(VARIANTS)
    raw: dict[str, dict[str, list[dict]]] = {n: {"quiet": [], "busy": []} for n in names}
    loads: dict[str, list[float]] = {"quiet": [], "busy": []}
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    for _ in range(args.rounds):
        for condition in ("quiet", "busy"):
            child = subprocess.Popen(BUSY) if condition == "busy" else None
            try:
                if child is not None:
                    time.sleep(0.5)
                for name in names:
                    loads[condition].append(load_average())
                    n_threads, env, mkldnn = VARIANTS[name]
                    raw[name][condition].append(measure(n_threads, env, mkldnn, args.seconds))
                    print(f"{condition:5} {name}: {raw[name][condition][-1]}", file=sys.stderr)
            finally:
                if child is not None:
                    child.kill()
                    child.wait()
    first = raw[names[0]]["quiet"][0]
    keys = tuple(
        k
        for k in ("conv_fp32_steps_per_s", "conv_bf16_steps_per_s", "mlp_samples_per_s")
        if k in first
    )
    table = {}
    for name in names:
        row = {}
        for condition in ("quiet", "busy"):
            for key in keys:
                row[f"{condition}_{key}"] = round(
                    statistics.median(r[key] for r in raw[name][condition]), 2
                )
        for key in keys:
            row[f"busy_over_quiet_{key}"] = round(row[f"busy_{key}"] / row[f"quiet_{key}"], 3)
        table[name] = row
    emit(
        "thread_cliff",
        {
            "machine": machine(),
            "started": started,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "load_1min_quiet": loads["quiet"],
            "load_1min_busy": loads["busy"],
            "variants": table,
        },
    )


if __name__ == "__main__":
    main()
