"""A VAE as a scikit-learn transformer: ``VAETransformer().fit(X).transform(X)``.

It drops into a ``Pipeline`` or ``GridSearchCV`` beside ``PCA`` and ``umap.UMAP``:

- ``fit(X, y=None)`` trains on rows ``(n, d)`` or images ``(n, H, W)`` /
  ``(n, C, H, W)`` (``y`` is ignored: the VAE is unsupervised);
- ``transform`` gives the posterior means, ``(n, latent_dim)``;
- ``inverse_transform`` decodes codes into the mean of p(x|z), shaped like ``X``;
- ``score_samples`` is the IWAE log-likelihood of each row (nats, Burda et al.
  2015) and ``score`` its mean, so ``GridSearchCV`` without a scorer picks the
  most likely model;
- ``sample(n)`` decodes draws from the prior.

Parameters carry the settings table's names and defaults (``vae.model.settings``), so
``get_params()`` reads like ``python -m vae train --help``. Two differ: the
``likelihood`` default ``"auto"`` picks Bernoulli for data in [0, 1] and a
Gaussian otherwise (after ``StandardScaler``, say), and ``device`` defaults to
the CPU. ``save(dir)`` writes safetensors + JSON, ``VAETransformer.load(dir)``
reads them back without unpickling anything. ``pickle.dumps`` is supported, for
joblib's parallel ``n_jobs``: the state it pickles is the same safetensors bytes
and JSON, never a pickled tensor or module.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from vae import threads
from vae.errors import ConfigError
from vae.io import atomic_write_json
from vae.model.autoencoder import VAE
from vae.model.config import TrainConfig, VAEConfig
from vae.model.evaluation import encode_means, seeded
from vae.model.objectives.schedules import beta_schedule
from vae.model.settings import CORE
from vae.training.device import resolve_device
from vae.training.optim import adam

_DEFAULT = {s.name: s.default for s in CORE}
# The settings a VAETransformer exposes (the table's names); the rest are the table's defaults.
MODEL_PARAMS = (
    "latent_dim", "architecture", "hidden_dims", "conv_channels", "likelihood", "gaussian_scale",
    "beta", "beta_schedule", "free_bits", "free_bits_mode", "input_dropout", "latent_dropout",
    "flow", "flow_length",
)  # fmt: skip
TRAIN_PARAMS = ("epochs", "batch_size", "lr", "seed", "device")
ESTIMATOR_FILE = "estimator.json"
FORMAT = "vae-lab-estimator/1"


class VAETransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A variational autoencoder in scikit-learn's conventions (see the module's docstring).

    ``image_shape`` reads rows as images of that (C, H, W) shape (e.g. flattened
    MNIST for a ``conv`` network); ``k`` is the number of importance samples of
    ``score_samples``; ``verbose`` shows a progress bar over the epochs.
    """

    def __init__(
        self,
        latent_dim: int = _DEFAULT["latent_dim"],
        *,
        architecture: str = _DEFAULT["architecture"],
        hidden_dims: tuple[int, ...] = _DEFAULT["hidden_dims"],
        conv_channels: tuple[int, ...] = _DEFAULT["conv_channels"],
        likelihood: str = "auto",
        gaussian_scale: float | None = _DEFAULT["gaussian_scale"],
        beta: float = _DEFAULT["beta"],
        beta_schedule: str = _DEFAULT["beta_schedule"],
        free_bits: float = _DEFAULT["free_bits"],
        free_bits_mode: str = _DEFAULT["free_bits_mode"],
        input_dropout: float = _DEFAULT["input_dropout"],
        latent_dropout: float = _DEFAULT["latent_dropout"],
        flow: str = _DEFAULT["flow"],
        flow_length: int = _DEFAULT["flow_length"],
        epochs: int = _DEFAULT["epochs"],
        batch_size: int = _DEFAULT["batch_size"],
        lr: float = _DEFAULT["lr"],
        seed: int = _DEFAULT["seed"],
        device: str = "cpu",
        image_shape: tuple[int, ...] | None = None,
        k: int = 100,
        verbose: bool = False,
    ) -> None:
        self.latent_dim = latent_dim
        self.architecture = architecture
        self.hidden_dims = hidden_dims
        self.conv_channels = conv_channels
        self.likelihood = likelihood
        self.gaussian_scale = gaussian_scale
        self.beta = beta
        self.beta_schedule = beta_schedule
        self.free_bits = free_bits
        self.free_bits_mode = free_bits_mode
        self.input_dropout = input_dropout
        self.latent_dropout = latent_dropout
        self.flow = flow
        self.flow_length = flow_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.seed = seed
        self.device = device
        self.image_shape = image_shape
        self.k = k
        self.verbose = verbose

    # --- scikit-learn's protocol -----------------------------------------------------------

    def __sklearn_tags__(self):  # noqa: ANN204 (sklearn's Tags type)
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False  # every draw is seeded
        return tags

    def fit(self, X: Any, y: Any = None) -> VAETransformer:
        """Train the VAE on ``X`` for ``epochs`` epochs of shuffled batches (y is ignored)."""
        rows, shape = self._rows(X, reset=True)
        likelihood = self.likelihood
        if likelihood == "auto":
            likelihood = "bernoulli" if rows.min() >= 0 and rows.max() <= 1 else "gaussian"
        config = self._config(likelihood)
        # The settings table checks every value, with its one-sentence errors.
        TrainConfig(**{name: getattr(self, name) for name in TRAIN_PARAMS})
        device = resolve_device(self.device)
        x = torch.from_numpy(rows.astype(np.float32)).reshape(-1, *shape)
        # As a CLI training run (vae.threads decides); the count changes the order of sums.
        self.threads_ = threads.training_threads()
        with threads.using(self.threads_), seeded(int(self.seed)):
            model = VAE(config, shape).to(device)
            self.history_ = _fit_model(
                model, x, int(self.epochs), int(self.batch_size), float(self.lr), self.verbose
            )
        model.eval()
        self.model_ = model
        self.input_shape_ = tuple(shape)
        self.likelihood_ = likelihood
        self.n_iter_ = int(self.epochs)
        self._n_features_out = int(self.latent_dim)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Posterior means E_q[z|x], float64 of shape (n, latent_dim)."""
        x = self._tensor(X)
        return encode_means(self.model_, x).double().numpy()

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Decode codes (n, latent_dim) into the mean of p(x|z), shaped as the data in fit."""
        check_is_fitted(self, "model_")
        z = check_array(X, dtype=np.float64)
        if z.shape[1] != self.latent_dim:
            raise ValueError(
                f"X has {z.shape[1]} columns, but {type(self).__name__} decodes codes of "
                f"latent_dim={self.latent_dim} columns."
            )
        with torch.inference_mode():
            out = self.model_.decode(torch.from_numpy(z.astype(np.float32)).to(self.model_.device))
        return self._as_fitted_layout(out.double().cpu().numpy())

    def score_samples(self, X: Any) -> np.ndarray:
        """IWAE estimate of log p(x) per row with ``k`` samples, nats (float64, shape (n,)).

        Every row gets the same seeded draws, so a row's figure does not depend on
        which other rows are scored with it (scikit-learn checks exactly that).
        """
        x = self._tensor(X)
        out = np.empty(x.shape[0])
        with torch.inference_mode(), threads.using(threads.training_threads()):
            for i in range(x.shape[0]):
                with seeded(int(self.seed)):
                    log_w = self.model_.log_importance_weights(
                        x[i : i + 1].to(self.model_.device), None, self.k
                    )
                out[i] = float(torch.logsumexp(log_w.double(), dim=1)) - math.log(self.k)
        return out

    def score(self, X: Any, y: Any = None) -> float:
        """Mean IWAE log-likelihood of the rows of ``X``, nats per example (higher is better)."""
        return float(self.score_samples(X).mean())

    def sample(self, n_samples: int = 1, seed: int | None = None) -> np.ndarray:
        """Decode ``n_samples`` draws z ~ p(z), shaped as the data in fit (seeded: ``seed`` or the fit's)."""
        check_is_fitted(self, "model_")
        with seeded(int(self.seed if seed is None else seed)):
            out = self.model_.sample(int(n_samples))
        return self._as_fitted_layout(out.double().cpu().numpy())

    # --- storage: safetensors + JSON --------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write ``model.safetensors``, ``config.json`` and ``estimator.json`` into ``directory``."""
        check_is_fitted(self, "model_")
        directory = Path(directory)
        self.model_.save(directory)  # also a model folder VAE.load and the app can read
        atomic_write_json(directory / ESTIMATOR_FILE, self._fitted_state())
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> VAETransformer:
        """An estimator saved with ``save``, ready to transform (no pickle involved)."""
        directory = Path(directory)
        state = json.loads((directory / ESTIMATOR_FILE).read_text())
        estimator = cls._from_state(state)
        estimator.model_ = VAE.load(directory, device=resolve_device(estimator.device))
        return estimator

    def __getstate__(self) -> dict[str, Any]:
        # Weights as safetensors bytes and everything else as JSON-able values: pickling
        # (joblib's n_jobs) never pickles a tensor or a module.
        state = {k: v for k, v in self.__dict__.items() if k != "model_"}
        if "model_" in self.__dict__:
            tensors = {
                k: v.detach().cpu().contiguous() for k, v in self.model_.state_dict().items()
            }
            state["model_"] = {
                "config": self.model_.config.to_dict(),
                "input_shape": list(self.model_.input_shape),
                "weights": save_safetensors(tensors),
            }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        saved = state.pop("model_", None)
        self.__dict__.update(state)
        if saved is not None:
            model = VAE(VAEConfig.from_dict(saved["config"]), tuple(saved["input_shape"]))
            model.load_state_dict(load_safetensors(saved["weights"]))
            self.model_ = model.eval().to(resolve_device(self.device))

    # --- helpers ---------------------------------------------------------------------------

    def _config(self, likelihood: str) -> VAEConfig:
        values = {name: getattr(self, name) for name in MODEL_PARAMS}
        values["likelihood"] = likelihood
        for name in ("hidden_dims", "conv_channels"):
            if isinstance(values[name], list):
                values[name] = tuple(values[name])
        return VAEConfig(**values)

    def _rows(self, X: Any, reset: bool) -> tuple[np.ndarray, tuple[int, ...]]:
        """X as validated float rows (n, d) and the model's input shape."""
        # Arrays of images are taken as images; anything else goes to scikit-learn's checks.
        images = isinstance(X, np.ndarray | torch.Tensor) and X.ndim in (3, 4)
        if images:
            array = np.asarray(X)
            shape = array.shape[1:] if array.ndim == 4 else (1, *array.shape[1:])
            X = array.reshape(array.shape[0], -1)
        rows = validate_data(self, X, reset=reset, dtype=np.float64)
        if reset:
            self.layout_ = (int(rows.shape[1]),)
            if images:
                shape = tuple(int(s) for s in shape)
                self.layout_ = tuple(int(s) for s in array.shape[1:])
            elif self.image_shape is not None:
                shape = tuple(int(s) for s in self.image_shape)
                if math.prod(shape) != rows.shape[1]:
                    raise ValueError(
                        f"image_shape {shape} holds {math.prod(shape)} values, but X has "
                        f"{rows.shape[1]} features; expected rows of C×H×W values."
                    )
            else:
                shape = (rows.shape[1],)
            return rows, shape
        return rows, self.input_shape_

    def _tensor(self, X: Any) -> torch.Tensor:
        check_is_fitted(self, "model_")
        rows, shape = self._rows(X, reset=False)
        return torch.from_numpy(rows.astype(np.float32)).reshape(-1, *shape)

    def _as_fitted_layout(self, out: np.ndarray) -> np.ndarray:
        """Rows for rows, images of the fit's layout ((n, H, W) or (n, C, H, W)) for images."""
        return out.reshape(out.shape[0], *self.layout_)

    def _fitted_state(self) -> dict[str, Any]:
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.get_params().items()}
        fitted = {
            "n_features_in_": int(self.n_features_in_),
            "input_shape_": list(self.input_shape_),
            "likelihood_": self.likelihood_,
            "layout_": list(self.layout_),
            "n_iter_": int(self.n_iter_),
            "threads_": int(getattr(self, "threads_", 1)),
            "history_": [float(v) for v in self.history_],
        }
        if hasattr(self, "feature_names_in_"):
            fitted["feature_names_in_"] = [str(v) for v in self.feature_names_in_]
        return {"format": FORMAT, "params": params, "fitted": fitted}

    @classmethod
    def _from_state(cls, state: dict[str, Any]) -> VAETransformer:
        if state.get("format") != FORMAT:
            raise ConfigError(
                f"estimator.json has format {state.get('format')!r}; expected {FORMAT}."
            )
        params = dict(state["params"])
        for name in ("hidden_dims", "conv_channels", "image_shape"):
            if isinstance(params.get(name), list):
                params[name] = tuple(params[name])
        estimator = cls(**params)
        fitted = state["fitted"]
        estimator.n_features_in_ = fitted["n_features_in_"]
        estimator.input_shape_ = tuple(fitted["input_shape_"])
        estimator.likelihood_ = fitted["likelihood_"]
        estimator.layout_ = tuple(fitted["layout_"])
        estimator.n_iter_ = fitted["n_iter_"]
        estimator.threads_ = int(fitted.get("threads_", 1))  # files from before the probe
        estimator.history_ = fitted["history_"]
        estimator._n_features_out = int(estimator.latent_dim)
        if "feature_names_in_" in fitted:
            estimator.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        return estimator


def _fit_model(
    model: VAE, x: torch.Tensor, epochs: int, batch_size: int, lr: float, verbose: bool
) -> list[float]:
    """The training loop of ``vae.training.loop`` without the run folder: the train ELBO per epoch."""
    optimizer = adam(model, lr)
    n = x.shape[0]
    steps = max(1, math.ceil(n / batch_size))
    total, step, history = steps * epochs, 0, []
    bar = None
    if verbose:
        from tqdm import tqdm

        bar = tqdm(total=epochs, desc="VAE", unit="epoch")
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n)
        elbo_sum = 0.0
        for start in range(0, n, batch_size):
            xb = x[order[start : start + batch_size]].to(model.device)
            beta, capacity = beta_schedule(model.config, step, total)
            terms = model(xb, None, beta, capacity)
            if not torch.isfinite(terms.loss):
                raise ValueError(
                    f"the loss became {terms.loss.item()} at step {step}; lower lr or scale X."
                )
            optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            optimizer.step()
            elbo_sum += float(terms.elbo.detach()) * xb.shape[0]
            step += 1
        history.append(elbo_sum / n)
        if bar is not None:
            bar.set_postfix(elbo=f"{history[-1]:.2f}")
            bar.update(1)
    if bar is not None:
        bar.close()
    return history
