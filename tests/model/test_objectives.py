"""The objective registry and each objective's known answers (β-TCVAE, FactorVAE, DIP-VAE)."""

import math

import pytest
import torch

from vae import VAE, VAEConfig
from vae.errors import ConfigError
from vae.model import objectives
from vae.model.distributions import log_standard_normal
from vae.model.objectives.beta_tcvae import decompose_kl, log_importance_weights
from vae.model.objectives.dip_vae import covariance, dip_penalty
from vae.model.objectives.discriminator import Discriminator, discriminator_loss, permute_dims

NAMES = ["vae", "beta-tcvae", "factor-vae", "dip-vae-i", "dip-vae-ii"]


def test_the_registry_lists_every_objective_with_its_own_settings():
    assert [o.name for o in objectives.registered()] == NAMES
    seen = set()
    for objective in objectives.registered():
        assert objective.summary
        for row in objective.settings:
            assert row.objective == objective.name and row.group == "Objective"
            assert row.name not in seen, f"{row.name} declared twice"
            seen.add(row.name)
            row.check(row.default)
    with pytest.raises(ConfigError, match="objective must be one of vae, beta-tcvae"):
        objectives.get("wae")


def _model(name, **kw):
    config = VAEConfig(latent_dim=3, hidden_dims=(32,), **kw)
    model = VAE(config, (1, 4, 4))
    # Until the settings table gives VAEConfig its objective field, set the objective directly.
    model.objective = objectives.get(name)(config, n_train=600)
    return model


@pytest.mark.parametrize("name", NAMES)
def test_every_objective_reports_the_same_elbo_in_nats_per_example(name):
    torch.manual_seed(0)
    reference = _model("vae")
    model = _model(name)
    model.load_state_dict(reference.state_dict())
    x = torch.rand(32, 1, 4, 4).round()
    torch.manual_seed(1)
    expected = reference(x)
    torch.manual_seed(1)
    terms = model(x)
    for key in ("elbo", "recon", "kl", "kl_per_dim"):
        torch.testing.assert_close(getattr(terms, key), getattr(expected, key))
    torch.testing.assert_close(terms.elbo, -(terms.recon + terms.kl))
    values = terms.as_floats()
    for key in ("loss", "elbo", "recon", "kl", "beta", *terms.extra):
        assert math.isfinite(values[key]), key
    if name != "vae":
        assert terms.extra, "each objective logs its own terms"
        assert not torch.equal(terms.loss, expected.loss)


def test_beta_tcvae_loss_is_the_weighted_sum_of_its_three_parts():
    torch.manual_seed(0)
    model = _model("beta-tcvae")
    x = torch.rand(64, 1, 4, 4).round()
    terms = model(x)
    mi, tc, dwkl = (terms.extra[k] for k in ("mi", "tc", "dwkl"))
    torch.testing.assert_close(terms.loss, terms.recon + 1.0 * mi + 6.0 * tc + 1.0 * dwkl)


@pytest.mark.parametrize("estimator", ["stratified", "weighted"])
def test_the_three_parts_sum_to_the_monte_carlo_kl(estimator):
    torch.manual_seed(0)
    mean, logvar = torch.randn(50, 4), torch.randn(50, 4) * 0.3
    z = mean + torch.exp(0.5 * logvar) * torch.randn(50, 4)
    log_p = log_standard_normal(z)
    parts = decompose_kl(z, mean, logvar, log_p, n_data=1000, estimator=estimator)
    log_q = (-0.5 * (math.log(2 * math.pi) + logvar + (z - mean) ** 2 / logvar.exp())).sum(-1)
    torch.testing.assert_close(sum(parts.values()), (log_q - log_p).mean())
    weights = log_importance_weights(50, 1000, estimator).exp()
    torch.testing.assert_close(weights.sum(1), torch.ones(50))  # q(z) = (1/N) Σ_n q(z|x_n)


def _codes(mean_cov, n=2000, posterior_var=0.25, seed=0):
    torch.manual_seed(seed)
    d = mean_cov.shape[0]
    mean = torch.randn(n, d) @ torch.linalg.cholesky(mean_cov).T
    logvar = torch.full((n, d), math.log(posterior_var))
    z = mean + math.sqrt(posterior_var) * torch.randn(n, d)
    return z, mean, logvar, log_standard_normal(z)


@pytest.mark.parametrize("estimator", ["stratified", "weighted"])
def test_total_correlation_of_a_factorised_q_is_near_zero(estimator):
    tc = decompose_kl(*_codes(torch.eye(3)), n_data=2000, estimator=estimator)["tc"]
    assert abs(float(tc)) < 0.03


@pytest.mark.parametrize("estimator", ["stratified", "weighted"])
def test_total_correlation_of_a_correlated_q_matches_its_closed_form(estimator):
    rho = 0.8
    tc = decompose_kl(
        *_codes(torch.tensor([[1.0, rho], [rho, 1.0]])), n_data=2000, estimator=estimator
    )["tc"]
    # q(z) = N(0, Σ + σ²I): TC = −½ log det of its correlation matrix.
    c = rho / (1 + 0.25)
    assert float(tc) == pytest.approx(-0.5 * math.log(1 - c**2), abs=0.03)


def test_dip_penalty_is_zero_at_identity_covariance_and_known_elsewhere():
    torch.manual_seed(0)
    raw = torch.randn(500, 3)
    centred = raw - raw.mean(0)
    # Whitened: the batch covariance is exactly I.
    white = centred @ torch.linalg.inv(torch.linalg.cholesky(covariance(centred))).T
    torch.testing.assert_close(covariance(white), torch.eye(3), atol=1e-5, rtol=0)
    assert float(dip_penalty(covariance(white), 10.0, 100.0)) < 1e-6
    cov = torch.tensor([[2.0, 0.5], [0.5, 1.0]])
    assert float(dip_penalty(cov, 10.0, 100.0)) == pytest.approx(10 * 2 * 0.25 + 100 * 1.0)


def test_dip_vae_ii_adds_the_mean_posterior_variance():
    torch.manual_seed(0)
    model = _model("dip-vae-ii")
    x = torch.rand(64, 1, 4, 4).round()
    terms = model(x)
    posterior = model.encode(x)
    cov = covariance(posterior.base_mean) + torch.diag(posterior.logvar.exp().mean(0))
    torch.testing.assert_close(terms.extra["dip_penalty"], dip_penalty(cov, 10.0, 10.0))


def test_permuting_dimensions_keeps_each_marginal():
    torch.manual_seed(0)
    z = torch.randn(100, 4)
    permuted = permute_dims(z)
    for j in range(4):
        assert torch.equal(permuted[:, j].sort().values, z[:, j].sort().values)
    assert not torch.equal(permuted, z)


@pytest.mark.slow
def test_the_discriminator_logit_recovers_the_density_ratio():
    """At its optimum, logit D(z) = log q(z) − log q(z₁)q(z₂): known for a Gaussian."""
    torch.manual_seed(0)
    rho = 0.8
    chol = torch.linalg.cholesky(torch.tensor([[1.0, rho], [rho, 1.0]]))
    d = Discriminator(2, (64, 64))
    opt = torch.optim.Adam(d.parameters(), lr=3e-3)
    for _ in range(1500):
        loss, _ = discriminator_loss(d, torch.randn(512, 2) @ chol.T)
        opt.zero_grad()
        loss.backward()
        opt.step()
    z = torch.randn(4000, 2) @ chol.T
    log_q = torch.distributions.MultivariateNormal(torch.zeros(2), scale_tril=chol).log_prob(z)
    ratio = log_q - log_standard_normal(z)  # the marginals are N(0, 1)
    with torch.no_grad():
        logit = d(z)
    inner = ratio.abs() < 3  # where both distributions have mass
    assert torch.corrcoef(torch.stack([logit[inner], ratio[inner]]))[0, 1] > 0.95
    # Its mean over q is the TC estimate: −½ log(1 − ρ²) = 0.511 nats.
    assert float(logit.mean()) == pytest.approx(-0.5 * math.log(1 - rho**2), abs=0.1)


def test_factor_vae_steps_its_own_discriminator_only():
    torch.manual_seed(0)
    model = _model("factor-vae")
    x = torch.rand(64, 1, 4, 4).round()
    vae_before = {k: v.clone() for k, v in model.state_dict().items()}
    d_before = [p.clone() for p in model.objective.discriminator.parameters()]
    terms = model(x)
    terms.loss.backward()
    logged = model.objective.step(terms)
    assert set(logged) == {"discriminator_loss", "discriminator_accuracy"}
    assert "discriminator_loss" in terms.as_floats()
    assert all(torch.equal(v, vae_before[k]) for k, v in model.state_dict().items())
    after = list(model.objective.discriminator.parameters())
    assert not all(torch.equal(a, b) for a, b in zip(after, d_before, strict=True))
    assert not any(k.startswith("objective") for k in model.state_dict()), "not in the weights"


@pytest.mark.parametrize("name", ["beta-tcvae", "dip-vae-i", "dip-vae-ii"])
def test_objectives_that_need_a_gaussian_posterior_refuse_a_flow(name):
    config = VAEConfig(latent_dim=3, hidden_dims=(32,), flow="planar", flow_length=2)
    with pytest.raises(ConfigError, match=f"objective {name} needs a Gaussian posterior"):
        objectives.get(name)(config)


@pytest.mark.parametrize("estimator", ["stratified", "weighted"])
def test_minibatches_with_the_data_set_size_estimate_the_total_correlation(estimator):
    rho, n = 0.8, 20_000
    z, mean, logvar, log_p = _codes(torch.tensor([[1.0, rho], [rho, 1.0]]), n=n)
    estimates = []
    for _ in range(8):
        idx = torch.randperm(n)[:512]
        parts = decompose_kl(z[idx], mean[idx], logvar[idx], log_p[idx], n, estimator)
        estimates.append(float(parts["tc"]))
    c = rho / (1 + 0.25)
    assert sum(estimates) / 8 == pytest.approx(-0.5 * math.log(1 - c**2), abs=0.05)


def _batches_tc(posterior_var, batch, estimator, n=200_000, rounds=200, rho=0.8):
    """Mean minibatch TC over ``rounds`` batches of a known Gaussian code, and its truth."""
    z, mean, logvar, log_p = _codes(
        torch.tensor([[1.0, rho], [rho, 1.0]]), n=n, posterior_var=posterior_var
    )
    torch.manual_seed(1)
    estimates = []
    for _ in range(rounds):
        idx = torch.randperm(n)[:batch]
        parts = decompose_kl(z[idx], mean[idx], logvar[idx], log_p[idx], 737_280, estimator)
        estimates.append(float(parts["tc"]))
    c = rho / (1 + posterior_var)
    return sum(estimates) / rounds, -0.5 * math.log(1 - c**2)


@pytest.mark.parametrize("estimator", ["stratified", "weighted"])
def test_at_the_training_batch_size_the_tc_estimate_of_a_known_gaussian_is_within_003(estimator):
    # Batch 64 (the bundled shapes models' batch), N = 737,280 (the shapes grid), q(z|x) with
    # variance 0.25 around correlated means: the mean estimate is within 0.03 nats of the truth.
    estimate, truth = _batches_tc(0.25, 64, estimator)
    assert estimate == pytest.approx(truth, abs=0.03)


def test_weighted_and_stratified_differ_as_their_formulas_say_on_sharp_posteriors():
    # With sharp posteriors MWS's own-example term (weight 1/B) dominates log q(z): TC biased
    # up; MSS gives its own example 1/N and sees only neighbours: TC biased down.
    weighted, truth = _batches_tc(0.01, 64, "weighted")
    stratified, _ = _batches_tc(0.01, 64, "stratified")
    assert stratified < truth - 0.5 < truth + 0.3 < weighted
    # And weighted is disentanglement_lib's formula, shifted by its (d − 1)·log B constant.
    torch.manual_seed(0)
    mean, logvar = torch.randn(64, 5), torch.randn(64, 5) * 0.3 - 2
    z = mean + torch.exp(0.5 * logvar) * torch.randn(64, 5)
    matrix = -0.5 * (math.log(2 * math.pi) + logvar[None] + (z[:, None] - mean[None]) ** 2
                     / logvar.exp()[None])  # fmt: skip
    dlib = (torch.logsumexp(matrix.sum(-1), 1) - torch.logsumexp(matrix, 1).sum(-1)).mean()
    tc = decompose_kl(z, mean, logvar, log_standard_normal(z), 737_280, "weighted")["tc"]
    torch.testing.assert_close(tc, dlib + 4 * math.log(64))


@pytest.mark.parametrize("name", ["factor-vae", "dip-vae-i", "dip-vae-ii", "beta-tcvae"])
def test_no_data_set_beta_leaks_into_an_objective_that_fixes_its_own(name):
    from vae.data import BUILTIN_DEFAULTS
    from vae.training.configs import configs_for

    assert BUILTIN_DEFAULTS["shapes"]["beta"] == 4.0  # what leaked before
    model_config, _, _ = configs_for({"dataset": "shapes", "image_size": 32, "objective": name})
    assert model_config.beta == 1.0 and model_config.beta_schedule == "constant"
    mine, _, _ = configs_for(
        {"dataset": "shapes", "image_size": 32, "objective": name, "beta": 3.0}
    )
    assert mine.beta == 3.0  # a person's own setting still wins


def test_factor_vae_trains_as_kim_and_mnih_did():
    from vae.training.configs import configs_for

    model_config, train_config, _ = configs_for(
        {"dataset": "shapes", "image_size": 32, "objective": "factor-vae"}
    )
    assert train_config.lr == 1e-4  # the VAE's Adam, as the discriminator's
    objective = objectives.get("factor-vae")(model_config)
    widths = [m.out_features for m in objective.discriminator.net if hasattr(m, "out_features")]
    assert widths == [1000] * 6 + [1]
    group = objective.optimizer.param_groups[0]
    assert group["lr"] == 1e-4 and group["betas"] == (0.5, 0.9)
    # The VAE's loss weighs the KL by 1: recon + KL + γ·TC.
    torch.manual_seed(0)
    model = VAE(model_config, (1, 32, 32))
    terms = model(torch.rand(8, 1, 32, 32).round())
    gamma = model_config.factor_gamma
    torch.testing.assert_close(terms.loss, terms.recon + terms.kl + gamma * terms.extra["tc"])


def test_beta_is_also_stated_per_pixel_count():
    # Higgins et al. 2017: β_norm = β·M/N. β = 4 at z = 10 weighs the KL 4× more on
    # 32×32 pictures than on 64×64 ones, which is what the normalised figure shows.
    assert objectives.normalised_beta(4.0, 10, (1, 32, 32)) == pytest.approx(4 * 10 / 1024)
    assert objectives.normalised_beta(4.0, 10, (1, 64, 64)) == pytest.approx(
        objectives.normalised_beta(1.0, 10, (1, 32, 32))
    )
    config = VAEConfig(latent_dim=10, beta=4.0)
    assert objectives.caption(config) == "β = 4"
    assert objectives.caption(config, input_shape=(1, 32, 32)) == "β = 4 (β_norm = βz/pixels 0.039)"
    other = VAEConfig(latent_dim=10, objective="dip-vae-i")
    assert "β_norm" not in objectives.caption(other, input_shape=(1, 32, 32))
