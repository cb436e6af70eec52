"""The prior p(z): asked, never assumed.

Every place that needs p(z) (the KL of the objective, prior samples, log p(z) in
the importance-weighted bound, the true posterior on a grid) asks the model's
prior, ``model.prior``. A prior is a small ``nn.Module`` (so a learned prior can
carry parameters in the model's weights) with four questions:

- ``sample(n)``: n codes z ~ p(z), shape (n, d);
- ``log_prob(z)``: log p(z) summed over the last dimension, in nats;
- ``kl_per_dim(mean, logvar)``: KL(N(mean, exp(logvar)) ‖ p) per example and
  dimension, closed form where one exists (``has_closed_form``);
- ``kl(z, log_q)``: the Monte Carlo estimate log q(z|x) − log p(z) at samples z.

The standard normal N(0, I) is the only prior today; it has no parameters, so
the model's state_dict is the same as before the seam existed.
"""

from __future__ import annotations

import torch
from torch import nn

from vae.model.distributions import gaussian_kl_per_dim, log_standard_normal


class Prior(nn.Module):
    """What the model asks of p(z). Subclasses implement ``_draw`` (``sample`` at temperature 1) and ``log_prob``."""

    has_closed_form: bool = False

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def sample(
        self,
        n: int,
        *,
        temperature: float = 1.0,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> torch.Tensor:
        """``n`` codes z ~ p(z) with its spread scaled by ``temperature``, shape (n, d)."""
        z = self._draw(n, generator=generator, device=device, dtype=dtype)
        return z if temperature == 1.0 else float(temperature) * z

    def _draw(
        self,
        n: int,
        generator: torch.Generator | None,
        device: torch.device | str | None,
        dtype: torch.dtype | None,
    ) -> torch.Tensor:
        """``n`` codes z ~ p(z) at temperature 1, shape (n, d)."""
        raise NotImplementedError

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def kl_per_dim(self, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no closed-form KL; use kl(z, log_q)")

    def kl(self, z: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
        """Monte Carlo KL at posterior samples z (…, d) with their log q(z|x) (…), nats."""
        return log_q - self.log_prob(z)


class StandardNormal(Prior):
    """p(z) = N(0, I)."""

    has_closed_form = True

    def _draw(self, n, generator, device, dtype) -> torch.Tensor:
        """``n`` codes z ~ N(0, I), shape (n, d); ``sample`` scales them by the temperature."""
        return torch.randn(n, self.dim, generator=generator, device=device, dtype=dtype)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return log_standard_normal(z)

    def kl_per_dim(self, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """½ (μ² + σ² − log σ² − 1) for every example and dimension, nats."""
        return gaussian_kl_per_dim(mean, logvar)


PRIORS: dict[str, type[Prior]] = {"standard_normal": StandardNormal}


def build_prior(name: str, dim: int) -> Prior:
    return PRIORS[name](dim)
