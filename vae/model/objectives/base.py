"""What every objective shares: the forward pass it reads, the terms it returns, its hooks.

Reduction, the one convention used everywhere: each term is **summed over data
dimensions (pixels) and latent dimensions, then averaged over the batch**, so
every figure is in nats per example.

    ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) = −(recon + kl)
    loss = recon + regularizer

``recon`` is −E_q[log p(x|z)] (one sample of z); ``kl`` is closed form for a
Gaussian posterior and the Monte Carlo estimate log q_K(z_K|x) − log p(z_K) for
a flow. Every objective reports the ELBO and its parts the same way; only the
loss differs, through the one hook a variant overrides, ``regularizer``.

An objective with trainable parts of its own (FactorVAE's discriminator) also
overrides ``modules``/``step`` and is saved in, and restored from, the training
checkpoint through ``save_into``/``load_from``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vae.model.setting import Setting

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vae.model.config import VAEConfig


@dataclass
class ForwardPass:
    """One reparameterised pass over a batch, as the objective reads it."""

    x: torch.Tensor
    x_params: torch.Tensor  # logits (Bernoulli) or means (Gaussian) of p(x|z)
    log_scale: torch.Tensor | None  # log s of a Gaussian p(x|z)
    base_mean: torch.Tensor  # (batch, d): the base Gaussian q₀(z|x)
    logvar: torch.Tensor  # (batch, d)
    z: torch.Tensor  # (batch, d): the sample z_K fed to the decoder
    log_q: torch.Tensor  # (batch,): log q_K(z_K|x)
    log_p: torch.Tensor  # (batch,): log p(z_K) under the prior
    kl_per_example_dim: torch.Tensor  # (batch, d): closed-form KL of q₀ to the prior
    has_flow: bool

    @property
    def kl_flow(self) -> torch.Tensor | None:
        """The Monte Carlo KL log q_K(z_K|x) − log p(z_K) of a flow posterior (batch,)."""
        return self.log_q - self.log_p if self.has_flow else None


@dataclass
class ELBOTerms:
    """One batch's objective; every scalar is in nats per example."""

    loss: torch.Tensor  # what the optimiser minimises
    elbo: torch.Tensor
    recon: torch.Tensor  # −E_q[log p(x|z)]
    kl: torch.Tensor
    kl_per_dim: torch.Tensor  # (latent_dim,), batch mean; for a flow: of the base Gaussian q₀
    beta: float
    capacity: float | None = None
    # The objective's own terms (β-TCVAE's mi/tc/dwkl, ...), detached scalars in nats per example.
    extra: dict[str, torch.Tensor] = field(default_factory=dict)
    # The detached sample z (batch, d), for objectives that learn from it after the step.
    z: torch.Tensor | None = None

    def as_floats(self) -> dict[str, float]:
        out = {
            "loss": self.loss.item(),
            "elbo": self.elbo.item(),
            "recon": self.recon.item(),
            "kl": self.kl.item(),
            "beta": float(self.beta),
        }
        if self.capacity is not None:
            out["capacity"] = float(self.capacity)
        out.update({k: float(v) for k, v in self.extra.items()})
        return out


class Objective:
    """The loss beside the reconstruction term. A variant overrides ``regularizer``.

    Built by the model from its config (``model.objective``); the trainer tells it
    the training set size (``n_train``, which β-TCVAE needs). Not an ``nn.Module``
    on purpose: its own trainable parts stay out of the model's weights file.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    settings: ClassVar[tuple[Setting, ...]] = ()
    # Objectives that read the Gaussian posterior's density or moments refuse flows.
    supports_flow: ClassVar[bool] = True
    # Settings the objective's paper fixes, used instead of the data set's defaults (a person's
    # own settings still win): FactorVAE and DIP-VAE weigh the KL by 1, not a data set's β.
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, config: VAEConfig, n_train: int | None = None) -> None:
        self.config = config
        self.n_train = n_train
        if not self.supports_flow and config.flow != "none":
            from vae.errors import ConfigError

            raise ConfigError(
                f"objective {self.name} needs a Gaussian posterior; use flow none, "
                f"or the vae or factor-vae objective with flow {config.flow}."
            )

    def setting(self, name: str) -> Any:
        """This objective's setting from the config (its table default until the config has it)."""
        row = next(s for s in self.settings if s.name == name)
        return getattr(self.config, name, row.default)

    # --- the hook ----------------------------------------------------------------------

    def regularizer(
        self, p: ForwardPass, beta: float, capacity: float | None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The term added to ``recon`` (nats per example) and this objective's parts to log."""
        raise NotImplementedError

    def __call__(self, p: ForwardPass, beta: float, capacity: float | None) -> ELBOTerms:
        from vae.model.distributions import log_likelihood

        recon = -log_likelihood(p.x, p.x_params, self.config.likelihood, p.log_scale).mean()
        kl_flow = p.kl_flow
        kl = p.kl_per_example_dim.sum(-1).mean() if kl_flow is None else kl_flow.mean()
        reg, extra = self.regularizer(p, beta, capacity)
        return ELBOTerms(
            loss=recon + reg,
            elbo=-(recon + kl),
            recon=recon,
            kl=kl,
            kl_per_dim=p.kl_per_example_dim.mean(0).detach(),
            beta=beta,
            capacity=capacity,
            extra={k: v.detach() for k, v in extra.items()},
            z=p.z.detach(),
        )

    # --- objectives that train something of their own -----------------------------------

    def modules(self) -> dict[str, nn.Module]:
        """Trainable parts outside the VAE, by name (saved in the checkpoint)."""
        return {}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Their optimisers, by name (saved in the checkpoint)."""
        return {}

    def step(self, terms: ELBOTerms) -> dict[str, float]:
        """Train the objective's own parts after the VAE's optimiser step; returns terms to log."""
        return {}

    def save_into(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        """Add this objective's weights and optimiser state to a checkpoint's tensors and state."""
        import torch

        for name, module in self.modules().items():
            for key, value in module.state_dict().items():
                tensors[f"objective.{name}.{key}"] = value.detach().cpu().contiguous()
        groups = {}
        for name, opt in self.optimizers().items():
            saved = opt.state_dict()
            for index, slots in saved["state"].items():
                for slot, value in slots.items():
                    tensors[f"objective_optim.{name}.{index}.{slot}"] = (
                        torch.as_tensor(value).detach().cpu().contiguous()
                    )
            groups[name] = saved["param_groups"]
        if groups:
            state["objective_param_groups"] = groups

    def load_from(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        """Restore what ``save_into`` wrote (nothing to do for objectives without parts)."""
        modules = self.modules()
        if not modules:
            return
        from vae.errors import CheckpointError

        for name, module in modules.items():
            prefix = f"objective.{name}."
            own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            if not own:
                raise CheckpointError(
                    f"the checkpoint holds no {name} of objective {self.name}; "
                    "it was written by a different objective."
                )
            module.load_state_dict(own)
        groups = state.get("objective_param_groups", {})
        for name, opt in self.optimizers().items():
            prefix = f"objective_optim.{name}."
            slots: dict[int, dict[str, torch.Tensor]] = {}
            for key, value in tensors.items():
                if key.startswith(prefix):
                    index, slot = key[len(prefix) :].split(".", 1)
                    slots.setdefault(int(index), {})[slot] = value
            opt.load_state_dict({"state": slots, "param_groups": groups[name]})
