"""How robust a code is: token accuracy of a chunk autoencoder when its code is pushed by noise.

CALM (Shao et al. 2025) needs a latent a language model can *predict*, and a
prediction is never exact: the decoder must give back the same K tokens from
any z near the code. The test here: decode z = μ(x) + σ s ⊙ ε, ε ~ N(0, I),
for a range of σ, and count the tokens that come back right. ``s`` is each
dimension's spread of the codes over the data (the standard deviation of
μ_d(x)), so σ is noise *relative to the code's own scale*: a plain
autoencoder's codes can sit at any scale (β = 0 puts no price on it), and a
fixed absolute noise would flatter large codes. A plain autoencoder is
accurate at σ = 0 and brittle beyond; a VAE whose KL is clamped per dimension
(free bits, CALM's λ = 0.5) and trained with dropout on z and on the input
tokens keeps its accuracy up to σ of the order of its own posterior scale.
"""

from __future__ import annotations

import numpy as np
import torch

from vae.model.autoencoder import VAE
from vae.model.evaluation import encode_posteriors, seeded

SIGMAS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0)
COLLAPSED_KL = 0.01  # nats: a dimension whose KL is below this carries nothing


@torch.no_grad()
def noise_curve(
    model: VAE, x: torch.Tensor, sigmas: tuple[float, ...] = SIGMAS, seed: int = 0
) -> dict[str, np.ndarray | float]:
    """Token accuracy (share of the tokens of ``x`` decoded right, greedy) at each relative σ, and
    for z drawn from the posterior itself (z ~ q(z|x): noise at the posterior's own scale, what
    the decoder met in training). ``posterior_scale`` is that scale relative to the codes'
    spread (mean over dimensions of σ_q / s), comparable with the σ axis."""
    model.eval()
    _, base, logvar = encode_posteriors(model, x)
    spread = base.std(0).clamp(min=1e-12)
    std = logvar.mul(0.5).exp()
    noises = [sigma * spread for sigma in sigmas] + [std]
    accuracy = []
    with seeded(seed):
        for scale in noises:
            z = base + scale * torch.randn_like(base)
            decoded = torch.cat([model.decode(z[i : i + 2048]) for i in range(0, len(z), 2048)])
            accuracy.append(float((decoded == x).double().mean()))
    kl = model.prior.kl_per_dim(base, logvar).mean(0)
    return {
        "sigma": np.array(sigmas, dtype=float),
        "accuracy": np.array(accuracy[:-1]),
        "posterior_scale": float((std / spread).mean()),
        "code_spread": float(spread.mean()),
        "accuracy_at_posterior_scale": accuracy[-1],
        "collapsed_dims": int((kl < COLLAPSED_KL).sum()),
        "latent_dim": int(base.shape[1]),
    }
