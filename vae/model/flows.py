"""Normalizing-flow posteriors: planar, radial (Rezende & Mohamed 2015) and IAF (Kingma et al. 2016).

A flow turns a sample z₀ of the base Gaussian q₀(z|x) into z_K = f_K ∘ … ∘ f_1(z₀)
and the density follows by the change of variables:

    log q_K(z_K|x) = log q₀(z₀|x) − Σ_k log |det ∂f_k/∂z_{k−1}|.

Every flow here is *amortised*: its parameters depend on x. Planar and radial
steps take all their parameters from the encoder (one vector per example, as
in van den Berg et al. 2018); IAF steps are autoregressive networks (MADE) that
read the encoder's context vector h(x). ``forward(z, params)`` returns the
transformed z and the log-determinant of each example, in nats.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class PlanarFlow(nn.Module):
    """f(z) = z + û tanh(wᵀz + b), with û constrained so that f is invertible.

    Invertibility needs wᵀû ≥ −1 (Rezende & Mohamed 2015, appendix A):
    û = u + (m(wᵀu) − wᵀu) w / ‖w‖², with m(a) = −1 + softplus(a), so wᵀû = m(wᵀu).
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.n_params = 2 * dim + 1

    @staticmethod
    def constrain_u(u: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        wu = (w * u).sum(-1, keepdim=True)
        m_wu = -1.0 + F.softplus(wu)
        # Dividing by ‖w‖² exactly (a floor only against 0/0 at w = 0) keeps wᵀû = m(wᵀu) ≥ −1
        # for tiny w too; ‖w‖² + ε would shrink the correction when ‖w‖ ≲ √ε.
        w_sq = w.pow(2).sum(-1, keepdim=True).clamp_min(torch.finfo(w.dtype).tiny)
        return u + (m_wu - wu) * w / w_sq

    def forward(self, z: torch.Tensor, params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        u, w, b = params.split([self.dim, self.dim, 1], dim=-1)
        u_hat = self.constrain_u(u, w)
        a = (w * z).sum(-1, keepdim=True) + b
        h = torch.tanh(a)
        z_new = z + u_hat * h
        # det(I + û ψᵀ) = 1 + ûᵀψ with ψ = h'(a) w (matrix determinant lemma).
        psi = (1.0 - h.pow(2)) * w
        log_det = torch.log((1.0 + (psi * u_hat).sum(-1)).abs() + 1e-8)
        return z_new, log_det


class RadialFlow(nn.Module):
    """f(z) = z + β h(α, r)(z − z₀), h = 1/(α + r), r = ‖z − z₀‖.

    α > 0 via softplus and β ≥ −α via β = −α + softplus(β') keep f invertible.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.n_params = dim + 2

    def forward(self, z: torch.Tensor, params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z0, alpha_raw, beta_raw = params.split([self.dim, 1, 1], dim=-1)
        alpha = F.softplus(alpha_raw)
        beta = -alpha + F.softplus(beta_raw)
        diff = z - z0
        r = diff.norm(dim=-1, keepdim=True)
        h = 1.0 / (alpha + r)
        z_new = z + beta * h * diff
        # det = (1 + βh)^(d−1) (1 + βh + βh'(r) r), h'(r) = −1/(α + r)².
        bh = beta * h
        log_det = (self.dim - 1) * torch.log1p(bh) + torch.log1p(bh - beta * r * h.pow(2))
        return z_new, log_det.squeeze(-1)


class MaskedLinear(nn.Linear):
    """A linear layer whose weight is multiplied by a fixed 0/1 mask (MADE, Germain et al. 2015)."""

    def __init__(self, in_features: int, out_features: int, mask: torch.Tensor) -> None:
        super().__init__(in_features, out_features)
        # Derived from the config, so not stored in checkpoints.
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.mask, self.bias)


class IAFStep(nn.Module):
    """One inverse autoregressive flow step (Kingma et al. 2016, eq. 11–14).

    [m, s] = MADE(z, h);  σ = sigmoid(s);  z' = σ ⊙ z + (1 − σ) ⊙ m.
    Output i depends on z_<i only, so the Jacobian is triangular and
    log |det| = Σ_i log σ_i. ``reverse`` flips the variable order so that
    stacked steps do not all favour the same dimensions.
    """

    def __init__(self, dim: int, context_dim: int, hidden: int, reverse: bool) -> None:
        super().__init__()
        self.dim = dim
        order = torch.arange(dim)
        if reverse:
            order = order.flip(0)
        self.register_buffer("order", order)
        # Degrees: inputs 1..d in the given order; hidden units 1..d-1; output i sees inputs < i.
        deg_in = torch.empty(dim, dtype=torch.long)
        deg_in[order] = torch.arange(1, dim + 1)
        deg_hidden = torch.arange(hidden) % max(dim - 1, 1) + 1
        mask_in = (deg_hidden[:, None] >= deg_in[None, :]).float()
        mask_out = (deg_in[:, None] > deg_hidden[None, :]).float()
        self.inp = MaskedLinear(dim, hidden, mask_in)
        self.context = nn.Linear(context_dim, hidden)
        self.out_m = MaskedLinear(hidden, dim, mask_out)
        self.out_s = MaskedLinear(hidden, dim, mask_out)
        # Start near the identity: σ ≈ sigmoid(2) keeps early training stable (the paper's forget-gate bias).
        nn.init.zeros_(self.out_s.weight)
        nn.init.constant_(self.out_s.bias, 2.0)

    def forward(self, z: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = F.elu(self.inp(z) + self.context(h))
        m = self.out_m(hidden)
        s = self.out_s(hidden)
        sigma = torch.sigmoid(s)
        z_new = sigma * z + (1.0 - sigma) * m
        log_det = F.logsigmoid(s).sum(-1)
        return z_new, log_det


class Flow(nn.Module):
    """K steps of one kind of flow; ``param_dim`` is what the encoder must produce per example."""

    def __init__(self, kind: str, dim: int, length: int, context_dim: int = 64) -> None:
        super().__init__()
        self.kind = kind
        self.dim = dim
        self.length = length
        if kind == "planar":
            self.steps = nn.ModuleList(PlanarFlow(dim) for _ in range(length))
            self.param_dim = length * self.steps[0].n_params
        elif kind == "radial":
            self.steps = nn.ModuleList(RadialFlow(dim) for _ in range(length))
            self.param_dim = length * self.steps[0].n_params
        elif kind == "iaf":
            hidden = max(2 * dim, 32)
            self.steps = nn.ModuleList(
                IAFStep(dim, context_dim, hidden, reverse=bool(k % 2)) for k in range(length)
            )
            self.param_dim = context_dim
        else:
            raise ValueError(f"unknown flow {kind!r}")

    def forward(self, z: torch.Tensor, params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Push z (…, d) through all steps; return z_K and Σ log |det| (…) in nats."""
        total = torch.zeros(z.shape[:-1], dtype=z.dtype, device=z.device)
        if self.kind == "iaf":
            for step in self.steps:
                z, log_det = step(z, params)
                total = total + log_det
            return z, total
        chunks = params.chunk(self.length, dim=-1)
        for step, p in zip(self.steps, chunks, strict=True):
            z, log_det = step(z, p)
            total = total + log_det
        return z, total
