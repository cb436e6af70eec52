"""q(z|x) of a batch: a diagonal Gaussian and, optionally, a normalizing flow on top of it."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vae.model.distributions import log_normal
from vae.model.flows import Flow
from vae.model.priors import Prior, StandardNormal


@dataclass
class Posterior:
    """q(z|x) for a batch: the base Gaussian N(base_mean, exp(logvar)) and, optionally, a flow.

    ``mean`` is the point that represents x in latent space, used by every map,
    slider and metric: the Gaussian's mean, or for a flow posterior the flow's
    image of the base mean (f_K(μ), where the posterior's mass concentrates).
    """

    base_mean: torch.Tensor
    logvar: torch.Tensor
    flow: Flow | None = None
    flow_params: torch.Tensor | None = None
    prior: Prior | None = None

    @property
    def std(self) -> torch.Tensor:
        return torch.exp(0.5 * self.logvar)

    @property
    def mean(self) -> torch.Tensor:
        if self.flow is None:
            return self.base_mean
        return self.flow(self.base_mean, self.flow_params)[0]

    def kl_per_dim(self) -> torch.Tensor:
        """Closed-form KL of the base Gaussian to the prior per example and dimension (nats)."""
        prior = self.prior or StandardNormal(self.base_mean.shape[-1])
        return prior.kl_per_dim(self.base_mean, self.logvar)

    def rsample(self, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Reparameterised sample z_K and its log q_K(z_K|x) in nats.

        With ``n`` the samples are stacked in front: shapes (n, batch, d) and (n, batch).
        """
        shape = self.base_mean.shape if n is None else (n, *self.base_mean.shape)
        eps = torch.randn(shape, dtype=self.base_mean.dtype, device=self.base_mean.device)
        z0 = self.base_mean + self.std * eps
        log_q = log_normal(z0, self.base_mean, self.logvar)
        if self.flow is None:
            return z0, log_q
        params = (
            self.flow_params if n is None else self.flow_params.expand(n, *self.flow_params.shape)
        )
        z, log_det = self.flow(z0, params)
        return z, log_q - log_det
