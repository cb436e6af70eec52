"""What a text model's card adds: likelihood per token, perplexity, and I(x; z) under q.

``nll`` is the importance-weighted bound's −log p(x) per sentence (nats; an
upper bound on the true NLL that tightens with k); per token it is divided by
the tokens the model predicts (every token and the ``<eos>``), and the
perplexity is exp(total NLL / total tokens). The mutual information I(x; z)
between an example and its code under q(x, z) = p_data(x) q(z|x) is estimated
as in He et al. 2019 ("Lagging inference networks"):

    I = E_x E_{q(z|x)} [log q(z|x) − log q(z)],
    log q(z) ≈ logsumexp_j log q(z|x_j) − log N        (the aggregate posterior over N examples)

It is at most log N, and 0 when every x has the same posterior: a collapsed
model's codes say nothing of their sentence.
"""

from __future__ import annotations

import math

import torch

from vae.model.distributions import LOG_2PI


def tokens_per_example(x: torch.Tensor) -> torch.Tensor:
    """The tokens p(x|z) predicts in each row of ids: all but the padding (id 0)."""
    return (x != 0).sum(-1)


def per_token(nll: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """NLL per sentence, per token and the perplexity, from per-example NLLs (nats) and rows."""
    tokens = tokens_per_example(x).double()
    total = float(nll.double().sum())
    per_tok = total / max(float(tokens.sum()), 1.0)
    return {
        "nll": float(nll.double().mean()),
        "nll_per_token": per_tok,
        "perplexity": math.exp(per_tok),
        "tokens_per_example": float(tokens.mean()),
    }


def log_q_pairs(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log q(z_i | x_j) for every pair: (len(z), len(mean)) nats, diagonal Gaussians."""
    var = logvar.exp()
    diff = z.unsqueeze(1) - mean.unsqueeze(0)  # (i, j, d)
    return -0.5 * (LOG_2PI + logvar.unsqueeze(0) + diff.pow(2) / var.unsqueeze(0)).sum(-1)


@torch.no_grad()
def mutual_information(
    mean: torch.Tensor, logvar: torch.Tensor, seed: int = 0, max_examples: int = 2000,
    samples: int = 10,
) -> float:  # fmt: skip
    """I(x; z) under q in nats from the posteriors' means and log-variances (n, d).

    ``samples`` draws z ~ q(z|x_i) per example (its own generator); each adds
    log q(z|x_i) − log q(z) with q(z) the mixture of all (up to ``max_examples``)
    posteriors. Both terms are read at the same z, so identical posteriors give
    exactly 0 whatever the draw (He et al. use the entropy's closed form, whose
    draw-to-draw noise is ±0.15 nats at n = 1,000 and d = 16).
    """
    mean, logvar = mean[:max_examples].double(), logvar[:max_examples].double()
    n = mean.shape[0]
    if n < 2:
        return 0.0
    generator = torch.Generator().manual_seed(seed)
    std = logvar.mul(0.5).exp()
    total = 0.0
    for _ in range(samples):
        z = mean + std * torch.randn(mean.shape, generator=generator, dtype=mean.dtype)
        for start in range(0, n, 256):
            rows = slice(start, start + 256)
            pairs = log_q_pairs(z[rows], mean, logvar)  # (rows, n)
            own = pairs[torch.arange(pairs.shape[0]), torch.arange(start, start + pairs.shape[0])]
            total += float((own - (torch.logsumexp(pairs, dim=1) - math.log(n))).sum())
    return total / (samples * n)
