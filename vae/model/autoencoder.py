"""The variational autoencoder: encode, reparameterise, decode, and the objective beside them.

    q(z|x) = N(μ(x), diag σ²(x))  [then K flow steps, if any]
    z = μ + σ ⊙ ε,  ε ~ N(0, I)   (the reparameterisation trick)
    p(x|z) = Bernoulli(logits(z)) or N(mean(z), diag s²)
    p(z) = N(0, I)                (asked of ``model.prior``, vae.model.priors)
    loss = recon + regularizer    (asked of ``model.objective``, vae.model.objectives)

A conditional VAE (Sohn et al. 2015) gives the one-hot label to both networks.
Text models (``gru``, ``chunk``: vae.model.text_networks) read int64 token ids,
their p(x|z) is a categorical per token, and ``decode`` returns token ids.
Double dropout drops input pixels before the encoder and latent units before
the decoder, in training only. Weights are stored as safetensors, the config
as JSON: nothing is ever unpickled.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import nn

from vae.errors import CheckpointError, ConfigError, VAELabError
from vae.io import atomic_write_bytes, atomic_write_json
from vae.model import objectives
from vae.model.config import VAEConfig
from vae.model.distributions import log_likelihood
from vae.model.files import CONFIG_FILE, WEIGHTS_FILE
from vae.model.flows import Flow
from vae.model.networks import build_networks
from vae.model.objectives.base import ELBOTerms, ForwardPass
from vae.model.posterior import Posterior
from vae.model.priors import Prior, StandardNormal
from vae.model.text_networks import build_text_networks

FORMAT = "vae-lab-model/1"


class VAE(nn.Module):
    """A VAE for data of ``input_shape`` (e.g. ``(1, 28, 28)`` or ``(2,)``)."""

    def __init__(self, config: VAEConfig, input_shape: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        config.validate()
        input_shape = tuple(int(s) for s in input_shape)
        _check_shape(config, input_shape)
        self.config = config
        self.input_shape = input_shape
        d = config.latent_dim
        self.cond_dim = config.n_classes if config.conditional else 0
        if self.is_text:
            self.encoder, self.decoder, feat = build_text_networks(
                config.architecture, input_shape[0], config.vocab_size, config.embedding_dim,
                config.hidden_dims, d, self.cond_dim, config.input_dropout,
            )  # fmt: skip
        else:
            self.encoder, self.decoder, feat = build_networks(
                config.architecture, input_shape, d, config.hidden_dims, config.conv_channels,
                self.cond_dim,
            )  # fmt: skip
        self.mean_head = nn.Linear(feat, d)
        self.logvar_head = nn.Linear(feat, d)
        self.flow = Flow(config.flow, d, config.flow_length) if config.has_flow else None
        self.flow_head = nn.Linear(feat, self.flow.param_dim) if self.flow is not None else None
        if config.likelihood == "gaussian" and config.gaussian_scale is None:
            self.log_scale = nn.Parameter(torch.zeros(input_shape))
        elif config.likelihood == "gaussian":
            self.register_buffer(
                "log_scale", torch.full(input_shape, math.log(config.gaussian_scale))
            )
        else:
            self.log_scale = None
        # Text networks drop tokens themselves (word dropout, masking): ids cannot be scaled.
        self.input_dropout = nn.Dropout(0.0 if self.is_text else config.input_dropout)
        self.latent_dropout = nn.Dropout(config.latent_dropout)
        # p(z): a module without parameters, so the weights file is what it always was.
        self.prior: Prior = StandardNormal(d)
        # The loss beside the reconstruction; not a submodule: its own parts (FactorVAE's
        # discriminator) belong to the training checkpoint, not the weights file.
        self.objective = objectives.get(getattr(config, "objective", "vae"))(config)
        # Mixed precision for training (set by the trainer; see vae.training.device.resolve_precision).
        self.train_dtype: torch.dtype | None = None

    # --- the model -----------------------------------------------------------------------

    @property
    def is_text(self) -> bool:
        """A text model: token ids in, a categorical per token out."""
        return self.config.likelihood == "categorical"

    @property
    def decoded_size(self) -> int:
        """Numbers of p(x|z)'s parameters per example (values, or logits for text)."""
        per_value = self.config.vocab_size if self.is_text else 1
        return math.prod(self.input_shape) * per_value

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def condition(self, y: torch.Tensor | int | None, n: int) -> torch.Tensor | None:
        """One-hot labels for a conditional model; an int labels every example.

        An unconditional model ignores ``y`` (None), so callers pass their labels as they are.
        """
        if not self.config.conditional:
            return None
        if y is None:
            raise ConfigError("y (the class label) is required by a conditional model.")
        if isinstance(y, int):
            y = torch.full((n,), y, dtype=torch.long)
        y = torch.as_tensor(y, device=self.device).long()
        if y.numel() and (int(y.min()) < 0 or int(y.max()) >= self.config.n_classes):
            raise ConfigError(f"y must be class indices from 0 to {self.config.n_classes - 1}.")
        return F.one_hot(y, self.config.n_classes).to(self.mean_head.weight.dtype)

    def encode(self, x: torch.Tensor, y: torch.Tensor | int | None = None) -> Posterior:
        """q(z|x): the posterior of each example in the batch."""
        h = self._body(self.encoder, x, self.condition(y, x.shape[0]))
        return self._posterior(h)

    def _posterior(self, h: torch.Tensor) -> Posterior:
        # Clamping the log-variance keeps exp() finite on wild inputs without touching normal ones.
        logvar = self.logvar_head(h).clamp(-30.0, 20.0)
        params = self.flow_head(h) if self.flow_head is not None else None
        return Posterior(self.mean_head(h), logvar, self.flow, params, self.prior)

    def decoder_params(
        self, z: torch.Tensor, c: torch.Tensor | None, x: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Parameters of p(x|z): logits (Bernoulli, categorical) or means (Gaussian).

        An autoregressive text decoder reads ``x`` (teacher forcing): its logits at
        position t are those of p(x_t | x_<t, z).
        """
        if c is not None and z.dim() > c.dim():
            c = c.expand(*z.shape[:-1], c.shape[-1])
        if self.is_text:
            return self._body(self.decoder, z, c, x)
        return self._body(self.decoder, z, c)

    def decode(self, z: torch.Tensor, y: torch.Tensor | int | None = None) -> torch.Tensor:
        """The mean of p(x|z) in data space (pixels in [0, 1] for a Bernoulli likelihood); for
        text, the greedy decoding of each z as token ids (n, T)."""
        if self.is_text:
            return self.generate(z, y)
        params = self.decoder_params(z, self.condition(y, z.shape[0]))
        return torch.sigmoid(params) if self.config.likelihood == "bernoulli" else params

    @torch.no_grad()
    def generate(
        self, z: torch.Tensor, y: torch.Tensor | int | None = None, method: str = "greedy",
        temperature: float = 1.0, beam: int = 5,
    ) -> torch.Tensor:  # fmt: skip
        """Token ids (n, T) of a text model decoded from z (n, d): greedy, sample or beam."""
        if not self.is_text:
            raise ConfigError("generate decodes text models; use decode for other data.")
        was_training = self.training
        self.eval()
        try:
            c = self.condition(y, z.shape[0])
            return self.decoder.generate(z, c, method, temperature, beam)
        finally:
            self.train(was_training)

    @torch.no_grad()
    def sample(
        self, n: int, y: torch.Tensor | int | None = None, temperature: float = 1.0
    ) -> torch.Tensor:
        """Decode ``n`` draws from the prior (N(0, temperature² I) for the standard normal)."""
        z = self.prior.sample(n, temperature=temperature, device=self.device)
        return self.decode(z, y)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, y: torch.Tensor | int | None = None) -> torch.Tensor:
        """Decode the posterior mean of each example."""
        return self.decode(self.encode(x, y).mean, y)

    def forward(
        self,
        x: torch.Tensor,
        y: torch.Tensor | None = None,
        beta: float | None = None,
        capacity: float | None = None,
    ) -> ELBOTerms:
        """One reparameterised pass and its objective (nats per example).

        ``terms.loss`` is the model's objective's loss; ``elbo``, ``recon``, ``kl``
        and ``kl_per_dim`` are the ELBO's parts whatever the objective. ``beta`` and
        ``capacity`` are the schedule's values at this step (``config.beta`` if not
        given). Dropout on the input and on z acts only in training mode.
        """
        beta = self.config.beta if beta is None else beta
        c = self.condition(y, x.shape[0])
        posterior = self._posterior(self._body(self.encoder, self.input_dropout(x), c))
        z, log_q = posterior.rsample()
        x_params = self.decoder_params(self.latent_dropout(z), c, x)
        batch = ForwardPass(
            x=x,
            x_params=x_params,
            log_scale=self.log_scale,
            base_mean=posterior.base_mean,
            logvar=posterior.logvar,
            z=z,
            log_q=log_q,
            log_p=self.prior.log_prob(z),
            kl_per_example_dim=self.prior.kl_per_dim(posterior.base_mean, posterior.logvar),
            has_flow=self.flow is not None,
        )
        return self.objective(batch, beta, capacity)

    def _body(
        self, net: nn.Module, inputs: torch.Tensor, c: torch.Tensor | None, *extra: torch.Tensor
    ) -> torch.Tensor:
        """The encoder or decoder body, in ``train_dtype`` when training with mixed precision.

        Only the bodies (convolutions and dense layers) run in low precision; their
        output comes back as fp32, so heads, flows and the ELBO stay exact.
        Evaluation (``eval()`` mode) is always fp32.
        """
        if self.train_dtype is None or not self.training:
            return net(inputs, c, *extra)
        with torch.autocast(self.device.type, dtype=self.train_dtype):
            out = net(inputs, c, *extra)
        return out.float()

    @torch.no_grad()
    def log_importance_weights(
        self, x: torch.Tensor, y: torch.Tensor | None = None, k: int = 1
    ) -> torch.Tensor:
        """log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x) for k posterior samples: (batch, k).

        logsumexp over k minus log k is the importance-weighted bound of Burda et al. 2015.
        """
        c = self.condition(y, x.shape[0])
        posterior = self.encode(x, y)
        z, log_q = posterior.rsample(k)  # (k, batch, d), (k, batch)
        x_params = self.decoder_params(z, c, x)
        log_px = log_likelihood(x, x_params, self.config.likelihood, self.log_scale)
        return (log_px + self.prior.log_prob(z) - log_q).T

    # --- storage ---------------------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        """Write ``model.safetensors`` and the model's entries of ``config.json``, atomically.

        Other entries already in config.json (a run's training settings) are kept.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        header = {
            "format": FORMAT,
            "model": self.config.to_dict(),
            "input_shape": list(self.input_shape),
        }
        tensors = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        metadata = {"vae_lab": json.dumps(header)}
        atomic_write_bytes(directory / WEIGHTS_FILE, save_safetensors(tensors, metadata=metadata))
        config_path = directory / CONFIG_FILE
        existing: dict[str, Any] = {}
        if config_path.exists():
            try:
                loaded = json.loads(config_path.read_text())
                existing = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                existing = {}
        atomic_write_json(config_path, {**existing, **header})

    @classmethod
    def load(cls, directory: str | Path, device: str | torch.device = "cpu") -> VAE:
        """Load a model folder or run directory; any problem is one ``CheckpointError``."""
        directory = Path(directory)
        if not directory.is_dir():
            raise CheckpointError(f"{directory} is not a folder; expected a run or model folder.")
        weights = directory / WEIGHTS_FILE
        if not weights.is_file():
            raise CheckpointError(
                f"{directory} has no {WEIGHTS_FILE}; it is not a trained model folder."
            )
        try:
            tensors = load_safetensors(weights.read_bytes())
        except Exception as exc:  # safetensors raises its own error types for damaged files
            raise CheckpointError(
                f"{weights} is corrupt or truncated and cannot be read as safetensors ({exc})."
            ) from None
        config, input_shape = _read_header(directory)
        try:
            model = cls(config, input_shape)
        except VAELabError as exc:
            raise CheckpointError(
                f"{directory / CONFIG_FILE} describes an invalid model: {exc}"
            ) from None
        expected = model.state_dict()
        missing = sorted(set(expected) - set(tensors))
        unexpected = sorted(set(tensors) - set(expected))
        if missing or unexpected:
            raise CheckpointError(
                f"{weights} does not match {CONFIG_FILE}: "
                f"missing {missing[:3]}, unexpected {unexpected[:3]}."
            )
        for name, tensor in tensors.items():
            if tensor.shape != expected[name].shape:
                raise CheckpointError(
                    f"{weights} does not match {CONFIG_FILE}: {name} has shape "
                    f"{tuple(tensor.shape)}, expected {tuple(expected[name].shape)}."
                )
            if tensor.is_floating_point() and not torch.isfinite(tensor).all():
                raise CheckpointError(f"{weights} holds non-finite values in {name}.")
        model.load_state_dict(tensors)
        model.eval()
        return model.to(device)


def _check_shape(config: VAEConfig, input_shape: tuple[int, ...]) -> None:
    if not input_shape or any(s < 1 for s in input_shape):
        raise ConfigError(f"input_shape must be positive sizes, got {input_shape!r}.")
    text = config.architecture in ("gru", "chunk")
    if text != (config.likelihood == "categorical"):
        raise ConfigError(
            "text architectures (gru, chunk) go with the categorical likelihood and it with them, "
            f"got architecture {config.architecture!r} and likelihood {config.likelihood!r}."
        )
    if text and (len(input_shape) != 1 or config.vocab_size is None):
        raise ConfigError(
            f"architecture {config.architecture!r} reads rows of token ids (shape (length,)) with "
            f"a vocabulary size, got shape {input_shape!r} and vocab_size {config.vocab_size!r}."
        )
    if config.architecture == "conv" and (len(input_shape) != 3 or min(input_shape[1:]) < 8):
        raise ConfigError(
            "architecture 'conv' needs images of shape (channels, height, width) of at least 8×8, "
            f"got {input_shape!r}; use 'mlp' for vectors."
        )


def _read_header(directory: Path) -> tuple[VAEConfig, tuple[int, ...]]:
    path = directory / CONFIG_FILE
    try:
        header = json.loads(path.read_text())
        config = VAEConfig.from_dict(header["model"])
        input_shape = tuple(int(s) for s in header["input_shape"])
    except FileNotFoundError:
        raise CheckpointError(
            f"{directory} has no {CONFIG_FILE}; it is not a trained model folder."
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a valid model configuration ({exc}).") from None
    return config, input_shape
