"""Bowman's baseline: a plain GRU language model beside a sentence VAE, same split and budget.

The language model is the VAE's decoder with z fixed at 0
(``vae.model.text_networks.LanguageModel``), trained with the run's batch
size, learning rate, epochs and seed on the same training split, so that the
VAE's bound on −log p(x) can be read against it: a VAE whose NLL bound is
close to the language model's while its KL stays above zero uses z at little
cost. Written to ``RUN/baseline/`` (``model.safetensors``, ``summary.json``
with ``nll``, ``nll_per_token``, ``perplexity``: exact, on the first 1,000 test
examples, the ones the VAE's bound is measured on).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch
from safetensors.torch import save as save_safetensors

from vae.data import Dataset
from vae.io import atomic_write_bytes, atomic_write_json
from vae.model.config import TrainConfig, VAEConfig
from vae.model.distributions import categorical_log_likelihood
from vae.model.text_evaluation import per_token
from vae.model.text_networks import LanguageModel
from vae.training.optim import adam

log = logging.getLogger(__name__)

BASELINE_DIR = "baseline"
TEST_EXAMPLES = 1000  # = vae.training.loop.FINAL_IWAE_EXAMPLES and evaluate's n_likelihood


def language_model_for(model_config: VAEConfig, length: int) -> LanguageModel:
    """The language model of a sentence VAE's decoder size."""
    return LanguageModel(
        model_config.vocab_size, model_config.embedding_dim, model_config.hidden_dims[0], length
    )


@torch.no_grad()
def test_nll(lm: LanguageModel, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """−log p(x) of every row under the language model (exact), nats."""
    lm.eval()
    parts = [-categorical_log_likelihood(x[i : i + batch_size], lm(x[i : i + batch_size]))
             for i in range(0, x.shape[0], batch_size)]  # fmt: skip
    return torch.cat(parts)


def train_language_model(
    data: Dataset, model_config: VAEConfig, train_config: TrainConfig, run_dir: Path
) -> dict:
    """Train the baseline into ``run_dir/baseline`` and return its test figures."""
    torch.manual_seed(train_config.seed)
    length = data.input_shape[0]
    lm = language_model_for(model_config, length)
    optimizer = adam(lm, train_config.lr)
    generator = torch.Generator().manual_seed(train_config.seed)
    n = len(data.train)
    epoch_size = min(train_config.epoch_size or n, n)
    steps = max(1, epoch_size // train_config.batch_size)
    start = time.monotonic()
    for epoch in range(train_config.epochs):
        lm.train()
        order = torch.randperm(n, generator=generator)
        for step in range(steps):
            idx = order[step * train_config.batch_size : (step + 1) * train_config.batch_size]
            x = data.train.get(idx).x
            loss = -categorical_log_likelihood(x, lm(x)).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        log.info("baseline language model: epoch %d/%d", epoch + 1, train_config.epochs)
    x_test = data.test.x[:TEST_EXAMPLES]  # the examples the VAE's final IWAE bound uses
    figures = per_token(test_nll(lm, x_test), x_test)
    figures.update(
        epochs=train_config.epochs, steps=steps * train_config.epochs,
        train_seconds=time.monotonic() - start, n_parameters=sum(p.numel() for p in lm.parameters()),
        protocol="a GRU language model of the VAE decoder's size (z fixed at 0), trained with the "
        "VAE's split, batch size, learning rate, epochs and seed; exact NLL of the first "
        f"{x_test.shape[0]} test examples",
    )  # fmt: skip
    folder = Path(run_dir) / BASELINE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous() for k, v in lm.state_dict().items()}
    atomic_write_bytes(folder / "model.safetensors", save_safetensors(tensors))
    atomic_write_json(folder / "summary.json", figures)
    return figures
