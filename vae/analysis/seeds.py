"""The same recipe trained with other seeds: finding them, and ranking them with UDR.

Two model folders are *seeds of one recipe* when their config.json agree on
everything (model, training, data) but the training seed. They are looked for
beside the model (the same runs folder, or ``assets/models``), so a run, or a
bundled model, has siblings where its recipe was trained again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vae.data import Dataset
from vae.metrics.udr import udr
from vae.model.autoencoder import VAE
from vae.model.evaluation import encode_posteriors
from vae.runs.store import RunDir

UDR_EXAMPLES = 1000  # test inputs every model encodes for UDR


def recipe(run_dir: Path) -> tuple[str, int] | None:
    """The folder's settings without its seed (a comparable text), and its seed; None if unreadable."""
    config = RunDir(run_dir).config()
    if config is None or not config.model:
        return None
    train = {k: v for k, v in config.train.items() if k not in ("seed", "device", "log_every")}
    key = repr((sorted(config.model.items()), sorted(train.items()), config.input_shape))
    return key, int(config.train.get("seed", 0) or 0)


def seed_siblings(run_dir: str | Path) -> list[Path]:
    """The other folders beside ``run_dir`` that hold its recipe with another seed, by seed."""
    run_dir = Path(run_dir).resolve()
    mine = recipe(run_dir)
    if mine is None or not run_dir.parent.is_dir():
        return []
    found = []
    for other in sorted(run_dir.parent.iterdir()):
        if other == run_dir or not (other / "config.json").is_file():
            continue
        theirs = recipe(other)
        if theirs is not None and theirs[0] == mine[0] and theirs[1] != mine[1]:
            found.append((theirs[1], other))
    return [path for _, path in sorted(found)]


def codes_and_kl(model: VAE, data: Dataset, n: int = UDR_EXAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means of the first ``n`` test inputs, and the mean KL of each dimension (nats)."""
    x = data.test.x[:n]
    y = data.test.y[:n] if model.config.conditional and data.test.y is not None else None
    means, base, logvars = encode_posteriors(model, x, y)
    kl = model.prior.kl_per_dim(base, logvars).mean(0)
    return means.double().numpy(), kl.double().numpy()


def udr_of_seeds(run_dir: str | Path, data: Dataset, seed: int = 0) -> dict[str, Any] | None:
    """UDR of the model in ``run_dir`` among its seed siblings, or None when it has none.

    ``udr`` is its score, ``udr_range`` the range of its scores against each
    sibling, ``udr_models`` the folders compared (itself first) and ``udr_scores``
    every one's score, in that order.
    """
    siblings = seed_siblings(run_dir)
    if not siblings:
        return None
    folders = [Path(run_dir), *siblings]
    pairs = [codes_and_kl(VAE.load(folder), data) for folder in folders]
    result = udr([c for c, _ in pairs], [k for _, k in pairs], seed=seed)
    return {
        "udr": result["scores"][0],
        "udr_range": [result["low"][0], result["high"][0]],
        "udr_models": [folder.name for folder in folders],
        "udr_scores": result["scores"],
    }


def add_udr(result: dict[str, Any], run_dir: str | Path, data: Dataset, seed: int = 0) -> None:
    """Put ``udr_of_seeds`` into an evaluation's flat figures, its ± and its protocol (in place);
    nothing when the model has no seed siblings."""
    ranked = udr_of_seeds(run_dir, data, seed)
    if ranked is None:
        return
    result.update(ranked)
    low, high = ranked["udr_range"]
    result.setdefault("uncertainty", {})["udr"] = (high - low) / 2
    protocol = result.setdefault("protocol", {})
    protocol["udr"] = (
        f"Duan et al. 2020 as disentanglement_lib computes it (Spearman, dimensions with KL > "
        f"0.01 nats) on the first {UDR_EXAMPLES} test inputs, against the same recipe with other "
        f"seeds: {', '.join(ranked['udr_models'][1:])}"
    )
    protocol.setdefault("uncertainty", {})["udr"] = "half the range of its pairwise scores"
