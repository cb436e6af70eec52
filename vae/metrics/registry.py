"""The metric registry: every figure ``evaluate`` writes, declared once.

A ``Metric`` names what one metric module computes: its group (which
``--metrics`` choice turns it on), the JSON keys it writes, the columns it
adds to the app's comparison table, its quick and full sizes, the share of the
running time it takes (for progress bars), and the line of the README's
"What evaluate measures" table. From this one list follow:

- the order and the keys of the evaluate JSON (``vae.analysis.report``);
- the disentanglement protocol (``vae.metrics.disentanglement``): each
  metric of the ``disentanglement`` group with a ``compute`` hook is run in
  registry order on the shared sampled codes;
- the app's metrics table (``table_columns``, ``group_of``);
- the README table (``readme_table``; ``python -m vae.metrics``
  prints it, and ``tests/metrics/test_registry.py`` fails when they differ).

Adding a metric: one module under ``vae/metrics/`` with its test under
``tests/metrics/``, and one ``Metric(...)`` line below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

GROUPS = ("elbo", "likelihood", "representation", "disentanglement")


def _frozen(mapping: Mapping[str, int] | None = None) -> Mapping[str, int]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Metric:
    """One metric: what it is called, where it goes, and how it reads in a table.

    Attributes:
        name: short identifier (also the progress stage's label).
        group: one of ``GROUPS``.
        keys: the JSON keys it writes, in order.
        columns: (JSON key, column title) of the app's comparison table.
        meaning: one line for the README ("what it means").
        reference: who defined it, for the README ("defined by").
        quick, full: the sizes of its protocol in ``--quick`` and full mode
            (names of ``disentanglement_metrics``' sizes).
        weight: rough share of the running time of its group, for progress.
        compute: for the disentanglement group, ``compute(sample, sizes)``
            with a ``vae.metrics.disentanglement.Sample`` returns
            ``{key: value}`` for ``keys`` plus ``{key + "_std": ...}``.
    """

    name: str
    group: str
    keys: tuple[str, ...]
    meaning: str
    reference: str = "—"
    columns: tuple[tuple[str, str], ...] = ()
    quick: Mapping[str, int] = field(default_factory=_frozen)
    full: Mapping[str, int] = field(default_factory=_frozen)
    weight: float = 0.0
    compute: Callable[..., dict[str, Any]] | None = None
    uncertain: tuple[str, ...] | None = None

    @property
    def scores(self) -> tuple[str, ...]:
        """The keys that hold one number per model and carry an uncertainty."""
        return self.uncertain if self.uncertain is not None else tuple(k for k, _ in self.columns)

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"metric {self.name}: group {self.group!r} is not one of {GROUPS}")
        for key, _ in self.columns:
            if key not in self.keys:
                raise ValueError(f"metric {self.name}: column {key!r} is not among its keys")


_CODES_QUICK = {"num_train": 2000, "num_test": 1000}
_CODES_FULL = {"num_train": 10000, "num_test": 5000}
_INTERVENTIONS_QUICK = {"intervention_train": 300, "intervention_eval": 150}
_INTERVENTIONS_FULL = {"intervention_train": 10000, "intervention_eval": 5000}


def _hook(module: str, name: str) -> Callable[..., dict[str, Any]]:
    """A compute hook imported on first call, so that the registry imports nothing heavy."""

    def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call


# The order is the reading order of the app's table, the README and the JSON.
METRICS: tuple[Metric, ...] = (
    Metric(
        "elbo", "elbo", ("elbo", "recon", "kl"),
        "the ELBO on the test split and its two parts, nats per example (summed over pixels "
        "and latent dimensions, averaged over examples); `recon` = −E_q[log p(x\\|z)]",
        "Kingma & Welling 2014",
        columns=(("elbo", "ELBO"), ("recon", "reconstruction"), ("kl", "KL")),
    ),
    Metric(
        "kl_per_dim", "elbo", ("kl_per_dim",),
        "the KL of each latent dimension; a dimension at ≈ 0 has collapsed",
    ),
    Metric(
        "log_likelihood", "likelihood",
        ("log_likelihood", "log_likelihood_k", "log_likelihood_n", "bits_per_dim"),
        "importance-weighted estimate of log p(x) with k samples (default 1,000, at most "
        "5,000), on up to 1,000 test examples; a lower bound that tightens with k",
        "Burda et al. 2015 (IWAE)",
        columns=(("log_likelihood", "log-likelihood"),),
    ),
    Metric(
        "text_likelihood", "likelihood",
        ("nll", "nll_per_token", "perplexity", "tokens_per_example"),
        "text models: −log p(x) per sentence from the same importance-weighted bound (nats), "
        "per predicted token (every token and `<eos>`), and the perplexity exp(NLL per token)",
        "Bowman et al. 2016", uncertain=("nll",),
    ),
    Metric(
        "baseline", "likelihood",
        ("baseline_nll", "baseline_nll_per_token", "baseline_perplexity"),
        "text models: the same figures of a plain GRU language model of the decoder's size "
        "trained on the same split and budget (exact NLL; `RUN/baseline/`), null without one",
        "Bowman et al. 2016", uncertain=(),
    ),
    Metric(
        "mutual_information", "elbo", ("mutual_information",),
        "text models: I(x; z) under q(x, z) = p_data(x) q(z\\|x), nats (0 when z says nothing "
        "of x; at most log n)",
        "He et al. 2019", uncertain=(),
    ),
    Metric(
        "active_units", "elbo", ("active_units", "posterior_mean_variance"),
        "dimensions whose posterior mean varies over the data: Var_x E_q[z_d] > 0.01 "
        "(`posterior_mean_variance`: that variance per dimension)",
        "Burda et al. 2015",
        columns=(("active_units", "active units"),), uncertain=(),
    ),
    Metric(
        "total_correlation", "elbo", ("total_correlation",),
        "total correlation of the aggregate posterior q(z) over the test split, nats: "
        "E_q(z)[log q(z) − Σ_d log q(z_d)] with q(z) the mixture of all test posteriors, "
        "one sample per posterior (0 when the dimensions of q(z) are independent)",
        "Watanabe 1960; estimator of Chen et al. 2018",
        uncertain=("total_correlation",),
    ),
    Metric(
        "probes", "representation",
        ("knn_accuracy", "logreg_accuracy", "pca_knn_accuracy", "pca_logreg_accuracy"),
        "representation learning: 5-NN and logistic-regression accuracy on the latent means; "
        "`pca_*` the same classifiers on PCA with as many dimensions",
        uncertain=("knn_accuracy", "logreg_accuracy", "pca_knn_accuracy", "pca_logreg_accuracy"),
    ),
    Metric(
        "MIG", "disentanglement", ("mig",),
        "mutual information gap: per factor, the gap between the two latent dimensions most "
        "informative about it, over the factor's entropy (20 bins)",
        "Chen et al. 2018",
        columns=(("mig", "MIG"),),
        quick={"num_train": 2000}, full={"num_train": 10000},
        weight=0.01, compute=_hook("vae.metrics.mig", "mig_of_sample"),
    ),
    Metric(
        "DCI", "disentanglement",
        ("dci_disentanglement", "dci_completeness", "dci_informativeness"),
        "from a gradient-boosted importance matrix: does each dimension capture one factor, "
        "is each factor captured by one dimension, test accuracy of predicting the factors",
        "Eastwood & Williams 2018",
        columns=(
            ("dci_disentanglement", "DCI disent."),
            ("dci_completeness", "DCI compl."),
            ("dci_informativeness", "DCI inform."),
        ),
        quick=_CODES_QUICK, full=_CODES_FULL,
        weight=0.25, compute=_hook("vae.metrics.dci", "dci_of_sample"),
    ),
    Metric(
        "FactorVAE score", "disentanglement", ("factor_vae_score",),
        "accuracy of a majority-vote classifier that guesses which factor was held fixed "
        "from the dimension of least (normalised) variance",
        "Kim & Mnih 2018",
        columns=(("factor_vae_score", "FactorVAE"),),
        quick={**_INTERVENTIONS_QUICK, "num_variance_estimate": 2000},
        full={**_INTERVENTIONS_FULL, "num_variance_estimate": 10000},
        weight=0.25, compute=_hook("vae.metrics.interventions", "factor_vae_of_sample"),
    ),
    Metric(
        "β-VAE score", "disentanglement", ("beta_vae_score",),
        "accuracy of a linear classifier that guesses the fixed factor from mean absolute "
        "code differences of pairs",
        "Higgins et al. 2017",
        columns=(("beta_vae_score", "β-VAE score"),),
        quick=_INTERVENTIONS_QUICK, full=_INTERVENTIONS_FULL,
        weight=0.45, compute=_hook("vae.metrics.interventions", "beta_vae_of_sample"),
    ),
    Metric(
        "SAP", "disentanglement", ("sap",),
        "separated attribute predictability: gap between the two most predictive dimensions "
        "per factor (linear SVM on each raw posterior mean)",
        "Kumar et al. 2018",
        columns=(("sap", "SAP"),),
        quick=_CODES_QUICK, full=_CODES_FULL,
        weight=0.02, compute=_hook("vae.metrics.sap", "sap_of_sample"),
    ),
    Metric(
        "factor view", "disentanglement", ("mi_matrix", "factor_names", "factor_of_dim"),
        "the factor × dimension view: I(z_d; v_k) / H(v_k) for every factor (row) and latent "
        "dimension (column), as MIG uses it; `factor_of_dim` names, per dimension, the factor "
        "it is most informative about, or null when the dimension is inactive",
        "Chen et al. 2018",
        quick={"num_train": 2000}, full={"num_train": 10000},
        weight=0.01, compute=_hook("vae.metrics.factor_view", "factor_view_of_sample"),
    ),
)  # fmt: skip


def metrics(group: str | None = None) -> tuple[Metric, ...]:
    """The registered metrics, in reading order; only those of ``group`` if given."""
    return tuple(m for m in METRICS if group is None or m.group == group)


def json_keys(group: str | None = None) -> tuple[str, ...]:
    """Every JSON key the metrics (of ``group``) write, in reading order."""
    return tuple(key for m in metrics(group) for key in m.keys)


def scores(group: str | None = None) -> tuple[str, ...]:
    """The keys that hold one number per model and carry an uncertainty, in reading order."""
    return tuple(key for m in metrics(group) for key in m.scores)


def group_of(key: str) -> str:
    """The group whose computation writes ``key``; a ``KeyError`` for an unknown key."""
    for m in METRICS:
        if key in m.keys:
            return m.group
    raise KeyError(key)


def table_columns() -> list[tuple[str, str, str]]:
    """(JSON key, column title, group) of the app's metrics table, in reading order."""
    return [(key, title, m.group) for m in METRICS for key, title in m.columns]


def sizes(quick: bool) -> dict[str, int]:
    """The protocol sizes of the disentanglement group, merged over its metrics."""
    merged: dict[str, int] = {}
    for m in metrics("disentanglement"):
        merged.update(m.quick if quick else m.full)
    return merged


def readme_table() -> str:
    """The README's "What evaluate measures" table, one row per metric."""
    lines = ["| key | group | what it means | defined by |", "|---|---|---|---|"]
    for m in METRICS:
        names = ", ".join(f"`{key}`" for key in m.keys)
        lines.append(f"| {names} | {m.group} | {m.meaning} | {m.reference} |")
    return "\n".join(lines)


README_BEGIN = "<!-- metrics table: generated by python -m vae.metrics --write -->"
README_END = "<!-- end of metrics table -->"


def readme_with_table(text: str) -> str:
    """``text`` (the README) with the table between the markers replaced by ``readme_table``."""
    start, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    return text[:start] + "\n" + readme_table() + "\n" + text[end:]
