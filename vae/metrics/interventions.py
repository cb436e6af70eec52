"""The two scores that intervene on the generative process: β-VAE and FactorVAE.

Both build mini-batches of observations that share the value of one factor,
which needs the generative process itself (a ``GroundTruth``), not a fixed
set of codes. Both follow disentanglement_lib (Locatello et al. 2019) and its
``unsupervised_study_v1`` settings: batches of 64 observations, 10,000 training
and 5,000 evaluation points.

disentanglement_lib draws one batch at a time; here many batches are drawn at
once and go through ``represent`` together, which gives the same estimator
(each point still comes from its own batch) at a fraction of the calls.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping

import numpy as np

from vae.data.base import GroundTruth
from vae.errors import DataError
from vae.metrics._common import (
    REPRESENT_CHUNK,
    Represent,
    Sample,
    check_positive,
    represent_in_chunks,
)

logger = logging.getLogger(__name__)

Fraction = Callable[[float], None]


def _fixed_factor_batches(
    ground_truth: GroundTruth, rng: np.random.Generator, n_points: int, batch_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each point a factor index and a batch of factors that share that factor.

    Returns the fixed factor per point (n_points,) and factors of shape
    (n_points, batch_size, n_factors) where factor ``index[p]`` takes, across
    batch p, the value it has in the batch's first row.
    """
    n_factors = len(ground_truth.factor_sizes)
    index = rng.integers(n_factors, size=n_points)
    factors = np.asarray(ground_truth.sample_factors(n_points * batch_size, rng), dtype=np.int64)
    factors = factors.reshape(n_points, batch_size, n_factors)
    points = np.arange(n_points)
    factors[points, :, index] = factors[points, 0, index][:, None]
    return index, factors


def _codes_of(represent: Represent, ground_truth: GroundTruth, factors: np.ndarray) -> np.ndarray:
    """Codes of a (points, batch, k) factor array, shaped (points, batch, d)."""
    n_points, batch_size, n_factors = factors.shape
    codes = represent_in_chunks(represent, ground_truth, factors.reshape(-1, n_factors))
    return codes.reshape(n_points, batch_size, -1)


def _points_per_chunk(batch_size: int, observations_per_point: int) -> int:
    return max(1, REPRESENT_CHUNK // (batch_size * observations_per_point))


def _check_common(
    ground_truth: GroundTruth, batch_size: int, num_train: int, num_eval: int
) -> None:
    check_positive(batch_size, "batch_size", minimum=2)
    check_positive(num_train, "num_train")
    check_positive(num_eval, "num_eval")
    if len(ground_truth.factor_sizes) < 2:
        # With one factor there is nothing to tell apart: every point has the same label.
        raise DataError(
            f"the ground truth has {len(ground_truth.factor_sizes)} factor(s); "
            "the β-VAE and FactorVAE scores need at least two."
        )


def _factor_vae_votes(
    represent: Represent,
    ground_truth: GroundTruth,
    rng: np.random.Generator,
    n_points: int,
    batch_size: int,
    global_variances: np.ndarray,
    active: np.ndarray,
    progress: Fraction | None,
) -> np.ndarray:
    """Votes (n_factors, n_active_dims): how often fixing factor k made dim j the stillest."""
    votes = np.zeros((len(ground_truth.factor_sizes), int(active.sum())), dtype=np.int64)
    chunk = _points_per_chunk(batch_size, 1)
    for start in range(0, n_points, chunk):
        n = min(chunk, n_points - start)
        index, factors = _fixed_factor_batches(ground_truth, rng, n, batch_size)
        codes = _codes_of(represent, ground_truth, factors)
        local_variances = np.var(codes, axis=1, ddof=1)
        # Dividing by the global variance is the paper's normalisation of each
        # dimension by its empirical standard deviation, squared.
        argmin = np.argmin(local_variances[:, active] / global_variances[active], axis=1)
        np.add.at(votes, (index, argmin), 1)
        if progress is not None:
            progress((start + n) / n_points)
    return votes


def factor_vae_score(
    represent: Represent,
    ground_truth: GroundTruth,
    rng: np.random.Generator,
    *,
    batch_size: int = 64,
    num_train: int = 10000,
    num_eval: int = 5000,
    num_variance_estimate: int = 10000,
    prune_threshold: float = 0.05,
    progress: Fraction | None = None,
    n_bootstrap: int = 0,
) -> dict[str, float]:
    """FactorVAE disentanglement score (Kim & Mnih 2018, "Disentangling by Factorising").

    Protocol of disentanglement_lib's ``compute_factor_vae``:

    1. The variance of each code dimension over ``num_variance_estimate``
       random observations; dimensions whose standard deviation is below
       ``prune_threshold`` are collapsed to the prior and pruned.
    2. A training point: pick a factor k uniformly, draw ``batch_size``
       factor vectors that all share factor k's value, represent them, divide
       each dimension's variance in the batch by its global variance; the vote
       is (k, the dimension with the smallest ratio).
    3. The classifier is a majority vote: each dimension predicts the factor
       that voted for it most often in ``num_train`` training points.
    4. The score is its accuracy on ``num_eval`` fresh points.

    Differences from disentanglement_lib: ``num_active_dims`` is the number of
    dimensions kept (disentanglement_lib reports the length of the mask, i.e.
    all dimensions), and batches are represented many at a time.

    Args:
        represent: maps a batch of observations to codes (posterior means), (n, d).
        ground_truth: the generative process (``vae.data.base.GroundTruth``).
        rng: source of all randomness; the same seed gives the same scores.
        batch_size: observations per point; default 64 as disentanglement_lib.
        num_train: points to build the majority vote; default 10,000.
        num_eval: points to evaluate it; default 5,000.
        num_variance_estimate: observations for the global variances; default 10,000.
        prune_threshold: minimum standard deviation, in the code's own units,
            of a dimension that counts as active; default 0.05 as
            disentanglement_lib's ``prune_dims.threshold``.
        progress: called with the fraction done in [0, 1], for a progress bar.
        n_bootstrap: resamples for ``eval_accuracy_std`` (0: none). Each
            resamples the training points (so refits the majority vote) and
            the evaluation points, with replacement: from the vote tables,
            without encoding anything again.

    Returns:
        ``train_accuracy`` and ``eval_accuracy`` in [0, 1] (chance is
        1/n_factors), and ``num_active_dims``. Both accuracies are 0 when no
        dimension is active. With ``n_bootstrap`` ≥ 2 also ``eval_accuracy_std``.
    """
    _check_common(ground_truth, batch_size, num_train, num_eval)
    check_positive(num_variance_estimate, "num_variance_estimate", minimum=2)
    factors = np.asarray(ground_truth.sample_factors(num_variance_estimate, rng), dtype=np.int64)
    global_variances = np.var(represent_in_chunks(represent, ground_truth, factors), axis=0, ddof=1)
    active = np.sqrt(global_variances) >= prune_threshold
    logger.info("FactorVAE score: %d of %d dimensions active", active.sum(), active.size)
    if not active.any():
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}

    total = num_train + num_eval

    def stage(offset: int, size: int) -> Fraction | None:
        if progress is None:
            return None
        return lambda fraction: progress((offset + fraction * size) / total)

    train_votes = _factor_vae_votes(
        represent,
        ground_truth,
        rng,
        num_train,
        batch_size,
        global_variances,
        active,
        stage(0, num_train),
    )
    classifier = np.argmax(train_votes, axis=0)
    dims = np.arange(train_votes.shape[1])
    train_accuracy = train_votes[classifier, dims].sum() / train_votes.sum()
    eval_votes = _factor_vae_votes(
        represent,
        ground_truth,
        rng,
        num_eval,
        batch_size,
        global_variances,
        active,
        stage(num_train, num_eval),
    )
    eval_accuracy = eval_votes[classifier, dims].sum() / eval_votes.sum()
    logger.info("FactorVAE score: train %.3f, eval %.3f", train_accuracy, eval_accuracy)
    out = {
        "train_accuracy": float(train_accuracy),
        "eval_accuracy": float(eval_accuracy),
        "num_active_dims": int(active.sum()),
    }
    if n_bootstrap >= 2:
        out["eval_accuracy_std"] = _vote_bootstrap_std(train_votes, eval_votes, n_bootstrap, rng)
    return out


def _vote_bootstrap_std(
    train_votes: np.ndarray, eval_votes: np.ndarray, n_bootstrap: int, rng: np.random.Generator
) -> float:
    """Std of the FactorVAE score over resamples of the training and evaluation points.

    A resample of n points is a multinomial draw of n votes over the cells of
    a vote table, so no point needs encoding again.
    """
    dims = np.arange(train_votes.shape[1])
    scores = []
    for _ in range(n_bootstrap):
        train = rng.multinomial(train_votes.sum(), train_votes.ravel() / train_votes.sum())
        evaluation = rng.multinomial(eval_votes.sum(), eval_votes.ravel() / eval_votes.sum())
        classifier = np.argmax(train.reshape(train_votes.shape), axis=0)
        evaluation = evaluation.reshape(eval_votes.shape)
        scores.append(evaluation[classifier, dims].sum() / evaluation.sum())
    return float(np.std(scores, ddof=1))


def _beta_vae_points(
    represent: Represent,
    ground_truth: GroundTruth,
    rng: np.random.Generator,
    n_points: int,
    batch_size: int,
    progress: Fraction | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Features (n_points, d) and labels (n_points,) of the β-VAE classifier."""
    features, labels = [], []
    chunk = _points_per_chunk(batch_size, 2)
    n_factors = len(ground_truth.factor_sizes)
    for start in range(0, n_points, chunk):
        n = min(chunk, n_points - start)
        index = rng.integers(n_factors, size=n)
        shape = (n, batch_size, n_factors)
        first = np.asarray(ground_truth.sample_factors(n * batch_size, rng), dtype=np.int64)
        second = np.asarray(ground_truth.sample_factors(n * batch_size, rng), dtype=np.int64)
        first, second = first.reshape(shape), second.reshape(shape)
        points = np.arange(n)
        # Pair by pair, the two observations agree on factor ``index``.
        second[points, :, index] = first[points, :, index]
        difference = _codes_of(represent, ground_truth, first) - _codes_of(
            represent, ground_truth, second
        )
        features.append(np.mean(np.abs(difference), axis=1))
        labels.append(index)
        if progress is not None:
            progress((start + n) / n_points)
    return np.concatenate(features), np.concatenate(labels)


def beta_vae_score(
    represent: Represent,
    ground_truth: GroundTruth,
    rng: np.random.Generator,
    *,
    batch_size: int = 64,
    num_train: int = 10000,
    num_eval: int = 5000,
    progress: Fraction | None = None,
    n_bootstrap: int = 0,
) -> dict[str, float]:
    """β-VAE disentanglement score (Higgins et al. 2017, "β-VAE: Learning Basic
    Visual Concepts with a Constrained Variational Framework").

    Protocol of disentanglement_lib's ``compute_beta_vae_sklearn``: a point
    picks a factor k uniformly and draws ``batch_size`` pairs of factor
    vectors, the two of each pair sharing factor k's value; its feature is the
    mean over pairs of |code(a) - code(b)| per dimension and its label is k. A
    logistic regression is trained on ``num_train`` points and scored on
    ``num_eval`` fresh ones. A dimension that follows only factor k is 0 on
    exactly the points labelled k, so a disentangled code scores near 1;
    chance is 1/n_factors.

    The logistic regression is scikit-learn's default (L2, C=1, lbfgs) as
    disentanglement_lib, but allowed 1,000 iterations instead of 100 so that
    it converges rather than stopping early with a warning.

    Args:
        represent: maps a batch of observations to codes (posterior means), (n, d).
        ground_truth: the generative process (``vae.data.base.GroundTruth``).
        rng: source of all randomness; the same seed gives the same scores.
        batch_size: pairs per point; default 64 as disentanglement_lib.
        num_train: training points; default 10,000.
        num_eval: evaluation points; default 5,000.
        progress: called with the fraction done in [0, 1], for a progress bar.
        n_bootstrap: resamples for ``eval_accuracy_std`` (0: none); each
            resamples the training points (and refits the regression) and the
            evaluation points, with replacement.

    Returns:
        ``train_accuracy`` and ``eval_accuracy`` in [0, 1]; with
        ``n_bootstrap`` ≥ 2 also ``eval_accuracy_std``.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    _check_common(ground_truth, batch_size, num_train, num_eval)
    total = num_train + num_eval

    def stage(offset: int, size: int) -> Fraction | None:
        if progress is None:
            return None
        return lambda fraction: progress((offset + fraction * size) / total)

    x_train, y_train = _beta_vae_points(
        represent, ground_truth, rng, num_train, batch_size, stage(0, num_train)
    )
    model = LogisticRegression(max_iter=1000)
    with warnings.catch_warnings():
        # A perfectly separable training set never converges in the strict sense.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y_train)
    train_accuracy = model.score(x_train, y_train)
    x_eval, y_eval = _beta_vae_points(
        represent, ground_truth, rng, num_eval, batch_size, stage(num_train, num_eval)
    )
    eval_accuracy = model.score(x_eval, y_eval)
    logger.info("β-VAE score: train %.3f, eval %.3f", train_accuracy, eval_accuracy)
    out = {"train_accuracy": float(train_accuracy), "eval_accuracy": float(eval_accuracy)}
    if n_bootstrap >= 2:
        scores = []
        for _ in range(n_bootstrap):
            rows = rng.integers(len(y_train), size=len(y_train))
            if np.unique(y_train[rows]).size < 2:
                continue
            refit = LogisticRegression(max_iter=1000)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                refit.fit(x_train[rows], y_train[rows])
            held = rng.integers(len(y_eval), size=len(y_eval))
            scores.append(refit.score(x_eval[held], y_eval[held]))
        out["eval_accuracy_std"] = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
    return out


def _score_of_sample(
    name: str,
    score: Callable[..., dict[str, float]],
    sample: Sample,
    sizes: Mapping[str, int],
    **options: int,
) -> dict[str, float]:
    """A registry hook: ``score`` on the sample's codes with its own random stream
    ``name``, as ``{name}_score`` and ``{name}_score_std`` (its bootstrap standard deviation)."""
    scores = score(
        sample.represent,
        sample.ground_truth,
        np.random.default_rng(sample.streams[name]),
        num_train=sizes["intervention_train"],
        num_eval=sizes["intervention_eval"],
        progress=sample.progress,
        n_bootstrap=sample.n_bootstrap,
        **options,
    )
    return {
        f"{name}_score": scores["eval_accuracy"],
        f"{name}_score_std": scores.get("eval_accuracy_std", 0.0),
    }


def factor_vae_of_sample(sample: Sample, sizes: Mapping[str, int]) -> dict[str, float]:
    """The registry's hook: the FactorVAE score and its bootstrap standard deviation."""
    return _score_of_sample(
        "factor_vae",
        factor_vae_score,
        sample,
        sizes,
        num_variance_estimate=sizes["num_variance_estimate"],
    )


def beta_vae_of_sample(sample: Sample, sizes: Mapping[str, int]) -> dict[str, float]:
    """The registry's hook: the β-VAE score and its bootstrap standard deviation."""
    return _score_of_sample("beta_vae", beta_vae_score, sample, sizes)
