"""β-TCVAE (Chen et al. 2018): the KL split in three, each part with its own weight.

Averaged over the data, the KL of the ELBO decomposes exactly into

    E_x KL(q(z|x) ‖ p(z)) = I_q(x; z)                       index-code MI
                          + KL(q(z) ‖ Π_j q(z_j))           total correlation (TC)
                          + Σ_j KL(q(z_j) ‖ p(z_j))         dimension-wise KL

with q(z) = E_x q(z|x) the aggregate posterior. The loss is recon + α·MI + β·TC
+ γ·DWKL. log q(z) is not computable exactly; it is estimated on the minibatch
from the B × B matrix log q(z_i|x_j), knowing the data set size N, by
minibatch stratified sampling ("stratified", the paper's MSS) or minibatch
weighted sampling ("weighted", MWS, with weights that sum to 1). The objective's β schedule and free bits
do not apply here: the three weights say everything.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vae.model.objectives import register
from vae.model.objectives.base import ForwardPass, Objective
from vae.model.setting import Setting

if TYPE_CHECKING:
    import torch

ESTIMATORS = ("weighted", "stratified")


def log_density_matrix(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log q(z_{i,d} | x_j) for every sample i, example j and dimension d: (B, B, d), nats."""
    import torch

    from vae.model.distributions import LOG_2PI

    diff = z[:, None, :] - mean[None, :, :]
    return -0.5 * (LOG_2PI + logvar[None] + diff.pow(2) * torch.exp(-logvar)[None])


def log_importance_weights(batch: int, n_data: int, estimator: str) -> torch.Tensor:
    """log of the weight of q(z_i|x_j) in the estimate of q(z_i) = (1/N) Σ_n q(z_i|x_n): (B, B).

    Each row sums to 1.

    - stratified (MSS, Chen et al. appendix C.2): the sample's own example 1/N,
      one neighbour (N − M)/(N·M), the rest 1/M, with M = B − 1. For N ≫ B the
      own example all but drops out: q(z_i) is estimated from the other B − 1.
    - weighted (MWS, Chen et al. eq. S6, and disentanglement_lib's
      ``total_correlation``): every example of the batch, the sample's own one
      included, 1/B. The paper writes 1/(N·B); its rows sum to 1/N, which leaves
      the gradients alone but shifts the reported TC by (d − 1)·log N, so the
      rows are scaled to 1 here. With sharp posteriors the own example dominates
      (TC biased up); MSS then sees only neighbours (TC biased down).
    """
    import torch

    if batch < 2:
        return torch.zeros(batch, batch)
    if estimator == "weighted":
        return torch.full((batch, batch), -math.log(batch))
    m = batch - 1
    weights = torch.full((batch, batch), 1.0 / m)
    rows = torch.arange(batch)
    weights[rows, (rows + 1) % batch] = (n_data - m) / (n_data * m)  # the one stratum
    weights[rows, rows] = 1.0 / n_data
    return weights.log()


def decompose_kl(
    z: torch.Tensor,
    mean: torch.Tensor,
    logvar: torch.Tensor,
    log_p: torch.Tensor,
    n_data: int | None = None,
    estimator: str = "weighted",
) -> dict[str, torch.Tensor]:
    """Minibatch estimates of index-code MI, TC and dimension-wise KL (nats per example).

    ``z`` (B, d) are samples of the Gaussian posteriors N(mean, exp(logvar)) of
    the batch, ``log_p`` (B,) their log-density under the prior; ``n_data`` the
    data set size (None: the batch is the whole data set). The three sum to the
    Monte Carlo KL, mean(log q(z|x) − log p(z)).
    """
    import torch

    batch = z.shape[0]
    n_data = max(int(n_data or batch), batch)
    matrix = log_density_matrix(z, mean, logvar)  # (B, B, d)
    log_q_zx = matrix.diagonal(dim1=0, dim2=1).sum(0)  # (B,): each sample under its own q
    log_w = log_importance_weights(batch, n_data, estimator).to(z)
    log_q_z = torch.logsumexp(log_w + matrix.sum(-1), dim=1)
    log_q_marginals = torch.logsumexp(log_w[:, :, None] + matrix, dim=1).sum(-1)
    return {
        "mi": (log_q_zx - log_q_z).mean(),
        "tc": (log_q_z - log_q_marginals).mean(),
        "dwkl": (log_q_marginals - log_p).mean(),
    }


@register
class BetaTCVAE(Objective):
    name = "beta-tcvae"
    summary = "β-TCVAE: the KL split into index-code MI, total correlation and dimension-wise KL"
    supports_flow = False
    # The three weights say everything; β (only logged) is 1 rather than a data set's.
    defaults = {"beta": 1.0, "beta_schedule": "constant"}
    settings = (
        Setting("mi_weight", float, 1.0, "β-TCVAE: weight α of the index-code mutual information",
                low=0, high=1000, objective="beta-tcvae", group="Objective", label="MI weight α",
                step=0.5),
        Setting("tc_weight", float, 6.0, "β-TCVAE: weight β of the total correlation", low=0,
                high=1000, objective="beta-tcvae", group="Objective", label="TC weight β",
                step=0.5),
        Setting("dwkl_weight", float, 1.0, "β-TCVAE: weight γ of the dimension-wise KL", low=0,
                high=1000, objective="beta-tcvae", group="Objective",
                label="Dimension-wise KL weight γ", step=0.5),
        Setting("tc_estimator", str, "weighted", "β-TCVAE: minibatch estimator of log q(z), "
                "weighted (MWS, as disentanglement_lib trains) or stratified (MSS) sampling", choices=ESTIMATORS,
                objective="beta-tcvae", group="Objective", label="log q(z) estimator"),
    )  # fmt: skip

    def regularizer(
        self, p: ForwardPass, beta: float, capacity: float | None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        parts = decompose_kl(
            p.z, p.base_mean, p.logvar, p.log_p, self.n_train, self.setting("tc_estimator")
        )
        loss = (
            self.setting("mi_weight") * parts["mi"]
            + self.setting("tc_weight") * parts["tc"]
            + self.setting("dwkl_weight") * parts["dwkl"]
        )
        return loss, parts
