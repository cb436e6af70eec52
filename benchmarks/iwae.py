"""The importance-weighted log-likelihood (Burda et al. 2015), k = 1000, on 1,000 digits.

``python -m benchmarks.iwae`` prints one JSON object: seconds for
``vae.model.evaluation.iwae_log_likelihood`` with the bundled ``digits-8d`` model on
the first 1,000 of the 1,797 digits (train and test splits together), at the thread
count the web server uses and at one thread per core. Bar ≤ 10 s.
"""

from __future__ import annotations

import time

import torch

from benchmarks.common import emit, machine
from vae import threads
from vae.data import load_dataset
from vae.model.autoencoder import VAE
from vae.model.evaluation import iwae_log_likelihood
from vae.runs.catalog import BUNDLED


def timed(model: VAE, x: torch.Tensor, k: int, n_threads: int) -> dict[str, float]:
    threads.use(n_threads)
    start = time.perf_counter()
    ll = iwae_log_likelihood(model, x, k=k, seed=0)
    return {
        "threads": n_threads,
        "seconds": round(time.perf_counter() - start, 2),
        "mean_log_likelihood": round(float(ll.mean()), 3),
    }


def main() -> None:
    model = VAE.load(BUNDLED / "digits-8d")
    data = load_dataset("digits")
    x = torch.cat([data.train.x, data.test.x])[:1000]
    runs = [
        timed(model, x, 1000, n) for n in sorted({threads.interactive_threads(), threads.cores()})
    ]
    emit(
        "iwae",
        {
            "machine": machine(),
            "model": "digits-8d",
            "n": int(x.shape[0]),
            "k": 1000,
            "runs": runs,
            "best_s": min(r["seconds"] for r in runs),
        },
    )


if __name__ == "__main__":
    main()
