"""VAETransformer: scikit-learn's estimator checks, pipelines, grid search, safetensors round trip."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from vae.analysis.estimator import ESTIMATOR_FILE, VAETransformer
from vae.errors import ConfigError
from vae.model.settings import by_name

TINY = {"latent_dim": 2, "hidden_dims": (8,), "epochs": 2, "k": 8}


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    data = load_digits()
    return data.data / 16.0, data.target


@pytest.fixture(scope="module")
def fitted(digits) -> VAETransformer:
    x, _ = digits
    return VAETransformer(latent_dim=4, hidden_dims=(64,), epochs=8, batch_size=64).fit(x)


# Every check that applies to an unsupervised transformer passes; none is expected to fail.
# (check_array_api_input skips itself unless SCIPY_ARRAY_API=1: torch is the array library here.)
@parametrize_with_checks([VAETransformer(**TINY)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_params_are_the_settings_tables_names():
    table = by_name()
    params = VAETransformer().get_params()
    own = {"image_shape", "k", "verbose"}
    assert set(params) - own <= set(table)
    for name in set(params) - own - {"likelihood", "device"}:
        assert params[name] == table[name].default, name
    with pytest.raises(ConfigError, match="latent_dim"):
        VAETransformer(latent_dim=0).fit(np.random.rand(20, 3))
    with pytest.raises(ConfigError, match="epochs"):
        VAETransformer(epochs=-1).fit(np.random.rand(20, 3))


def test_learns_transforms_and_decodes(digits, fitted):
    x, _ = digits
    assert fitted.likelihood_ == "bernoulli"  # [0, 1] data
    assert fitted.history_[-1] > fitted.history_[0] + 5  # the ELBO rose, nats per example
    z = fitted.transform(x[:10])
    assert z.shape == (10, 4) and z.dtype == np.float64
    recon = fitted.inverse_transform(z)
    assert recon.shape == (10, 64) and recon.min() >= 0 and recon.max() <= 1
    # A reconstruction is closer to its own digit than to the mean digit.
    assert ((recon - x[:10]) ** 2).sum() < ((x.mean(0) - x[:10]) ** 2).sum()
    assert fitted.sample(5).shape == (5, 64)
    assert np.array_equal(fitted.sample(5, seed=3), fitted.sample(5, seed=3))
    assert list(fitted.get_feature_names_out()) == [f"vaetransformer{i}" for i in range(4)]


def test_score_samples_is_the_iwae_bound(digits, fitted):
    from vae.model.evaluation import elbo_stats

    x, _ = digits
    scores = fitted.score_samples(x[:50])
    assert scores.shape == (50,) and np.isfinite(scores).all()
    # The IWAE estimate with k samples lies above the one-sample ELBO on average (Burda et al.).
    import torch

    elbo = elbo_stats(fitted.model_, torch.tensor(x[:50], dtype=torch.float32))["elbo"]
    assert scores.mean() > elbo
    assert fitted.score(x[:50]) == pytest.approx(scores.mean())
    # Real digits are more likely than noise of the same range.
    noise = np.random.default_rng(0).random((50, 64))
    assert fitted.score_samples(noise).mean() < scores.mean() - 20


def test_images_in_images_out(digits):
    images = load_digits().images[:200] / 16.0
    est = VAETransformer(latent_dim=2, architecture="conv", conv_channels=(4, 8), epochs=1)
    est.fit(images)
    assert est.input_shape_ == (1, 8, 8) and est.n_features_in_ == 64
    z = est.transform(images[:3])
    assert z.shape == (3, 2)
    assert np.allclose(est.transform(images[:3].reshape(3, -1)), z)  # rows of the same pixels
    assert est.inverse_transform(z).shape == (3, 8, 8)
    assert est.sample(2).shape == (2, 8, 8)
    rows = VAETransformer(latent_dim=2, architecture="conv", conv_channels=(4, 8), epochs=1,
                          image_shape=(1, 8, 8)).fit(images.reshape(200, -1))  # fmt: skip
    assert rows.input_shape_ == (1, 8, 8) and rows.inverse_transform(z).shape == (3, 64)
    with pytest.raises(ValueError, match="image_shape"):
        VAETransformer(image_shape=(1, 7, 7), epochs=1).fit(images.reshape(200, -1))


def test_save_load_round_trip_is_exact(tmp_path, digits, fitted):
    x, _ = digits
    fitted.save(tmp_path / "est")
    names = sorted(p.name for p in (tmp_path / "est").iterdir())
    assert names == sorted(["config.json", "model.safetensors", ESTIMATOR_FILE])
    loaded = VAETransformer.load(tmp_path / "est")
    assert loaded.get_params() == fitted.get_params()
    assert np.array_equal(loaded.transform(x), fitted.transform(x))
    assert np.array_equal(loaded.inverse_transform(loaded.transform(x[:5])),
                          fitted.inverse_transform(fitted.transform(x[:5])))  # fmt: skip
    assert np.array_equal(loaded.score_samples(x[:5]), fitted.score_samples(x[:5]))
    # The folder is a model folder too: VAE.load and the app read it.
    from vae.model.autoencoder import VAE

    assert VAE.load(tmp_path / "est").config.latent_dim == 4


def test_pickle_carries_safetensors_bytes_not_tensors(digits, fitted):
    x, _ = digits
    state = fitted.__getstate__()
    assert isinstance(state["model_"]["weights"], bytes)
    assert not any(type(v).__module__.startswith("torch") for v in state.values())
    again = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(again.transform(x), fitted.transform(x))


def test_verbose_shows_a_progress_bar(capsys):
    VAETransformer(**{**TINY, "epochs": 3}, verbose=True).fit(np.random.rand(30, 4))
    assert "3/3" in capsys.readouterr().err


@pytest.mark.slow
def test_pipeline_with_standard_scaler_and_a_classifier(digits):
    """A Gaussian VAE after StandardScaler, then logistic regression: 5-fold accuracy on digits."""
    x, y = digits
    pipe = make_pipeline(
        StandardScaler(),
        VAETransformer(latent_dim=8, hidden_dims=(128,), epochs=30, batch_size=64),
        LogisticRegression(max_iter=2000),
    )
    scores = cross_val_score(pipe, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    assert pipe.steps[1][1].likelihood == "auto"
    print(f"StandardScaler → VAE (gaussian) → logistic regression: {scores.mean():.3f}")
    assert scores.mean() > 0.85  # chance is 0.10


@pytest.mark.slow
def test_grid_search_over_latent_dim(digits):
    """GridSearchCV over latent_dim in a MinMaxScaler → Bernoulli VAE → classifier pipeline."""
    x, y = digits
    pipe = make_pipeline(
        MinMaxScaler(),
        VAETransformer(hidden_dims=(128,), epochs=20, batch_size=64),
        LogisticRegression(max_iter=2000),
    )
    search = GridSearchCV(pipe, {"vaetransformer__latent_dim": [1, 8]}, cv=3).fit(x, y)
    means = search.cv_results_["mean_test_score"]
    print(f"latent_dim 1 / 8: accuracy {means[0]:.3f} / {means[1]:.3f}")
    # One number cannot tell ten digits apart; eight can.
    assert search.best_params_ == {"vaetransformer__latent_dim": 8}
    assert means[1] > means[0] + 0.2
