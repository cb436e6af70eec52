"""The settings table: every model and training setting, declared once.

Each row says a setting's name (the CLI's option with underscores), its type,
default, bounds or choices, help, and whether a data set may override the
default. Everything else follows from the table:

- ``VAEConfig`` and ``TrainConfig`` (``vae.model.config``) take their fields and their
  validation from it;
- ``python -m vae train`` (``vae.cli``) gets one option per row, its help
  stating the default once (or "data set default" where data sets differ);
- the launcher turns form values into those options (``vae.jobs.arguments``);
- the Train form draws one widget per row with these bounds (``vae.app.train``).

An objective's own settings (``vae.model.objectives``) are rows with ``objective``
set; the form shows them only when that objective is chosen.

Adding a setting is one row here plus the code that uses it.
"""

from __future__ import annotations

from typing import Any

from vae.model.setting import TRAIN, Setting, parse_ints

# --- the table -------------------------------------------------------------------------------

ARCHITECTURES = ("mlp", "conv", "gru", "chunk")
LIKELIHOODS = ("bernoulli", "gaussian", "categorical")
FLOWS = ("none", "planar", "radial", "iaf")
BETA_SCHEDULES = ("constant", "linear", "cyclical", "capacity")
FREE_BITS_MODES = ("batch", "example")
DEVICES = ("auto", "cpu", "cuda")
# Arithmetic of the encoder and decoder bodies in training (see vae.training.device.resolve_precision).
PRECISIONS = ("auto", "fp32", "bf16")

CORE: tuple[Setting, ...] = (
    # The model: networks, posterior, likelihood.
    Setting("latent_dim", int, 10, "number of latent dimensions", low=1, high=1024,
            dataset_default=True, label="Latent dimensions"),
    Setting("beta", float, 1.0, "weight β of the KL term; 1 is the plain VAE", low=0,
            dataset_default=True, group="Objective", label="β (KL weight)", step=0.5,
            accepts="a non-negative number"),
    Setting("architecture", str, "mlp", "encoder/decoder networks", choices=ARCHITECTURES,
            dataset_default=True, label="Architecture"),
    Setting("hidden_dims", tuple, (512, 256), "MLP hidden layer sizes, comma separated",
            high=4096, dataset_default=True, label="MLP hidden sizes"),
    Setting("embedding_dim", int, 64, "token embedding size of a text model (gru, chunk)",
            low=1, high=1024, dataset_default=True, form=False),
    Setting("vocab_size", int, None, "tokens a text model knows (from the data)", low=5,
            high=1_000_000, nullable=True, cli=False, form=False),
    Setting("conv_channels", tuple, (32, 32, 64, 64), "conv channels per layer, comma separated",
            high=512, form=False),
    Setting("likelihood", str, "bernoulli", "p(x|z): bernoulli for images, gaussian for points "
            "and tabular data, categorical for text", choices=LIKELIHOODS, dataset_default=True,
            label="Likelihood p(x|z)"),
    Setting("gaussian_scale", float, None, "standard deviation of a Gaussian p(x|z); "
            "left out: learn one scale per data dimension", low=0, low_open=True, nullable=True,
            form=False, accepts="a positive number, or null to learn the scale"),
    # The objective.
    Setting("beta_schedule", str, "constant", "how β evolves over training",
            choices=BETA_SCHEDULES, dataset_default=True, group="Objective",
            label="β schedule"),
    Setting("warmup_fraction", float, 0.3, "fraction of training for the linear warm-up",
            low=0, high=1, low_open=True, group="Objective", label="Warm-up fraction", step=0.05,
            slider=True, when=("beta_schedule", "linear")),
    Setting("n_cycles", int, 4, "number of cycles of the cyclical schedule", low=1, high=1000,
            group="Objective", label="Cycles",
            when=("beta_schedule", "cyclical")),
    Setting("cycle_ratio", float, 0.5, "fraction of each cycle over which β rises", low=0,
            high=1, low_open=True, group="Objective", form=False),
    Setting("capacity_max", float, 25.0, "final capacity C in nats of the capacity schedule",
            low=0, group="Objective", label="Final capacity C (nats)", step=5.0,
            unit="of nats", accepts="a non-negative number of nats",
            when=("beta_schedule", "capacity")),
    Setting("capacity_fraction", float, 0.8, "fraction of training over which C rises", low=0,
            high=1, low_open=True, group="Objective", form=False),
    Setting("free_bits", float, 0.0, "KL floor λ in nats per latent dimension (0: off)", low=0,
            group="Objective", label="Free bits λ (nats/dim)", step=0.05,
            accepts="a non-negative number of nats per dimension"),
    Setting("free_bits_mode", str, "batch", "batch: floor the batch-averaged KL (Kingma et al. "
            "2016); example: clamp each example's KL (CALM)", choices=FREE_BITS_MODES,
            group="Objective", label="Free-bits mode"),
    Setting("input_dropout", float, 0.0, "dropout on the input x in training (CALM: 0.15); "
            "for text, the fraction of tokens replaced by <unk>: the decoder's input words of a "
            "gru model (Bowman's word dropout), the encoder's input tokens of a chunk model",
            low=0, high=1, high_open=True, group="Objective", label="Input dropout", step=0.05,
            slider=True, accepts="a probability in [0, 1)"),
    Setting("latent_dropout", float, 0.0, "dropout on the latent z in training (CALM: 0.15)",
            low=0, high=1, high_open=True, group="Objective", label="Latent dropout", step=0.05,
            slider=True, accepts="a probability in [0, 1)"),
    Setting("flow", str, "none", "normalizing-flow posterior", choices=FLOWS,
            group="Objective", label="Posterior flow"),
    Setting("flow_length", int, 4, "number of flow steps K", low=1, high=64, group="Objective",
            label="Flow length K", when=("flow", "!none")),
    Setting("conditional", bool, False, "conditional VAE on the data's class labels",
            group="Objective", label="Conditional (on the labels)"),
    Setting("n_classes", int, None, "classes of a conditional model (from the data)", low=1,
            nullable=True, cli=False, form=False),
    # Training.
    Setting("dataset", str, "digits", "built-in data set name or a path", section=TRAIN,
            form=False, accepts="a data set name or a path"),
    Setting("epochs", int, 30, "number of epochs; with --resume, the new total", section=TRAIN,
            low=1, high=10_000, dataset_default=True, group="Training", label="Epochs"),
    Setting("batch_size", int, 128, "examples per step", section=TRAIN, low=1, high=65536,
            dataset_default=True, group="Training", label="Batch size", step=8),
    Setting("lr", float, 1e-3, "Adam learning rate", section=TRAIN, low=0, high=1, low_open=True,
            dataset_default=True, group="Training", label="Learning rate", step=1e-4,
            accepts="a number in (0, 1]"),
    Setting("lr_decay", float, 0.0, "fraction of the run, at its end, over which the learning "
            "rate falls linearly towards zero (0: constant)", section=TRAIN, low=0, high=1,
            high_open=True, dataset_default=True, group="Training",
            label="Learning-rate decay (last fraction)", step=0.05,
            accepts="a number in [0, 1)"),
    Setting("seed", int, 0, "random seed: the same seed gives the same run", section=TRAIN,
            low=0, high=2**32 - 1, group="Training", label="Seed",
            accepts="an integer from 0 to 2**32 - 1"),
    Setting("epoch_size", int, None, "examples per epoch for data too large to sweep; "
            "left out: the whole split", section=TRAIN, low=1, high=10_000_000, nullable=True,
            dataset_default=True, group="Training", label="Examples per epoch", step=1024,
            accepts="a positive integer or null"),
    Setting("early_stopping", int, None, "stop after this many epochs without a better "
            "test ELBO", section=TRAIN, low=1, high=1000, nullable=True, group="Training",
            label="Early stopping (epochs)", accepts="a positive number of epochs or null"),
    Setting("image_size", int, None, "render size for shapes, resize size for image folders",
            section=TRAIN, low=4, high=256, nullable=True, group="Training",
            label="Image size (pixels a side)", step=4,
            accepts="an integer from 4 to 256 or null"),
    Setting("tokens", str, None, "how a .txt file is tokenised: word or char (left out: word)",
            section=TRAIN, choices=("word", "char"), nullable=True, form=False,
            accepts="word or char"),
    Setting("baseline", bool, True, "after a gru text model, train a plain GRU language model "
            "of its decoder's size on the same split and budget (Bowman's baseline)",
            section=TRAIN, form=False),
    Setting("data_dir", str, None, "folder with MNIST/Fashion-MNIST IDX files or the dSprites "
            ".npz (else $VAE_LAB_DATA, else the download cache)", section=TRAIN, nullable=True,
            group="Training",
            form=False, accepts="a folder path or null"),
    Setting("device", str, "auto", "where to train: auto picks CUDA when present",
            section=TRAIN, choices=DEVICES, group="Training", label="Device"),
    Setting("precision", str, "auto", "arithmetic of the encoder and decoder in training: auto "
            "uses bfloat16 for conv networks on CPUs/GPUs with native bfloat16, else fp32",
            section=TRAIN, choices=PRECISIONS, group="Training", label="Precision"),
    Setting("log_every", int, 20, "steps between logged training records", section=TRAIN,
            low=1, form=False, cli=False, accepts="a positive integer"),
    Setting("n_recon_examples", int, 8, "test examples whose reconstructions are saved",
            section=TRAIN, low=0, high=64, form=False, cli=False),
)  # fmt: skip


def all_settings() -> tuple[Setting, ...]:
    """Every row: the core table, the objective's choice, then each objective's own settings."""
    global _ALL
    if _ALL is None:
        from vae.model import objectives

        choice = Setting(
            "objective", str, "vae", "the regulariser beside the reconstruction term: "
            + "; ".join(f"{o.name}: {o.summary}" for o in objectives.registered()),
            choices=tuple(o.name for o in objectives.registered()), group="Objective",
            label="Objective",
        )  # fmt: skip
        _ALL = CORE + (choice,) + tuple(s for o in objectives.registered() for s in o.settings)
    return _ALL


_ALL: tuple[Setting, ...] | None = None


def by_name() -> dict[str, Setting]:
    return {s.name: s for s in all_settings()}


def section(name: str) -> tuple[Setting, ...]:
    return tuple(s for s in all_settings() if s.section == name)


def cli_settings() -> tuple[Setting, ...]:
    return tuple(s for s in all_settings() if s.cli)


def form_settings() -> tuple[Setting, ...]:
    return tuple(s for s in all_settings() if s.form)


def parse_cli_value(setting: Setting, text: str) -> Any:
    """A command-line string as the setting's type (argparse's ``type=``)."""
    if setting.kind is tuple:
        return parse_ints(text)
    if setting.kind is int:
        return int(text)
    if setting.kind is float:
        return float(text)
    return text
