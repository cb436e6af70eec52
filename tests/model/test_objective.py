"""The ELBO's parts against closed forms, free bits' gradients, and the β schedules."""

import math

import pytest
import torch
import torch.nn.functional as F

from vae import VAE, VAEConfig
from vae.model.distributions import gaussian_kl_per_dim, log_normal, log_standard_normal
from vae.model.objectives.schedules import beta_schedule
from vae.model.objectives.vae import free_bits_kl


def test_closed_form_kl_matches_monte_carlo():
    torch.manual_seed(0)
    mean = torch.tensor([0.5, -1.2, 2.0, 0.0])
    logvar = torch.tensor([0.3, -1.0, 0.8, -2.5])
    exact = gaussian_kl_per_dim(mean, logvar).sum()
    n = 400_000
    z = mean + torch.exp(0.5 * logvar) * torch.randn(n, 4)
    samples = log_normal(z, mean, logvar) - log_standard_normal(z)
    estimate = samples.mean()
    standard_error = samples.std() / math.sqrt(n)
    assert abs(float(estimate - exact)) < 4 * float(standard_error)


def test_kl_is_zero_exactly_at_the_prior():
    assert float(gaussian_kl_per_dim(torch.zeros(3), torch.zeros(3)).sum()) == 0.0


def _tiny(**kw):
    return VAE(VAEConfig(latent_dim=3, hidden_dims=(32,), **kw), (1, 4, 4))


def test_terms_are_nats_per_example_summed_over_pixels():
    model = _tiny()
    x = torch.rand(6, 1, 4, 4).round()
    torch.manual_seed(1)
    terms = model(x)
    # Recompute with the same noise by hand.
    torch.manual_seed(1)
    posterior = model.encode(x)
    z = posterior.base_mean + posterior.std * torch.randn_like(posterior.base_mean)
    logits = model.decoder_params(z, None)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / 6
    kl = gaussian_kl_per_dim(posterior.base_mean, posterior.logvar).sum() / 6
    torch.testing.assert_close(terms.recon, recon)
    torch.testing.assert_close(terms.kl, kl)
    torch.testing.assert_close(terms.elbo, -(recon + kl))
    torch.testing.assert_close(terms.loss, recon + kl)
    torch.testing.assert_close(terms.kl_per_dim.sum(), kl)


@pytest.mark.parametrize("flow", ["none", "planar", "iaf"])
def test_elbo_is_below_the_importance_weighted_estimate(flow):
    torch.manual_seed(0)
    model = _tiny(flow=flow, flow_length=2).eval()
    x = torch.rand(16, 1, 4, 4).round()
    with torch.no_grad():
        # Two independent estimates: the ELBO averaged over many one-sample passes,
        # and log mean exp of 200 importance weights per example.
        elbo = model(x.repeat(400, 1, 1, 1)).elbo
        log_w = model.log_importance_weights(x, k=200)
        iwae = (torch.logsumexp(log_w, 1) - math.log(200)).mean()
        # The k=1 weights are an unbiased ELBO estimate: the two code paths must agree.
        elbo_from_weights = model.log_importance_weights(x, k=4000).mean()
    assert float(elbo) < float(iwae)
    assert abs(float(elbo - elbo_from_weights)) < 0.15


def test_free_bits_stop_the_gradient_below_the_floor():
    kl = torch.tensor([[0.01, 0.5, 2.0], [0.03, 0.7, 1.0]], requires_grad=True)
    for mode in ("batch", "example"):
        kl.grad = None
        free_bits_kl(kl, 0.1, mode).backward()
        # Dimension 0 sits below λ = 0.1: nothing pushes its KL further down.
        assert torch.all(kl.grad[:, 0] == 0)
        assert torch.all(kl.grad[:, 1:] > 0)


def test_free_bits_modes_differ_where_examples_straddle_the_floor():
    kl = torch.tensor([[0.0], [0.4]])
    assert float(free_bits_kl(kl, 0.3, "batch")) == pytest.approx(0.3)  # mean 0.2 → floor 0.3
    assert float(free_bits_kl(kl, 0.3, "example")) == pytest.approx(0.35)  # (0.3 + 0.4) / 2


def test_free_bits_through_the_model_leave_collapsed_dimensions_alone():
    model = _tiny(free_bits=50.0)  # far above any dimension's KL at initialisation
    x = torch.rand(8, 1, 4, 4).round()
    terms = model(x)
    assert terms.loss.item() == pytest.approx(terms.recon.item() + 50.0 * 3, rel=1e-6)


def test_beta_schedules_known_values():
    total = 1000
    linear = VAEConfig(beta=4.0, beta_schedule="linear", warmup_fraction=0.5)
    assert beta_schedule(linear, 0, total) == (0.0, None)
    assert beta_schedule(linear, 250, total)[0] == pytest.approx(2.0)
    assert beta_schedule(linear, 900, total)[0] == pytest.approx(4.0)
    cyc = VAEConfig(beta=1.0, beta_schedule="cyclical", n_cycles=4, cycle_ratio=0.5)
    assert beta_schedule(cyc, 0, total)[0] == 0.0
    assert beta_schedule(cyc, 62, total)[0] == pytest.approx(0.496)
    assert beta_schedule(cyc, 200, total)[0] == 1.0  # second half of the first cycle
    assert beta_schedule(cyc, 250, total)[0] == 0.0  # a new cycle starts again from 0
    assert beta_schedule(cyc, total, total)[0] == 1.0
    cap = VAEConfig(beta=100.0, beta_schedule="capacity", capacity_max=20.0, capacity_fraction=0.5)
    assert beta_schedule(cap, 250, total) == (100.0, pytest.approx(10.0))
    assert beta_schedule(cap, 800, total) == (100.0, pytest.approx(20.0))
    assert beta_schedule(VAEConfig(beta=3.0), 10, total) == (3.0, None)


@pytest.mark.parametrize("total", [1000, 1001, 997, 37, 7])
@pytest.mark.parametrize("n_cycles", [1, 3, 4, 7])
def test_cyclical_beta_is_exactly_zero_at_every_cycle_start(total, n_cycles):
    # Floating-point modulo returned β instead of 0 on single steps at some boundaries.
    cyc = VAEConfig(beta=2.0, beta_schedule="cyclical", n_cycles=n_cycles, cycle_ratio=0.5)
    starts = {c * total // n_cycles for c in range(n_cycles)}
    betas = [beta_schedule(cyc, step, total)[0] for step in range(total + 1)]
    for step in range(total):
        if step in starts:
            assert betas[step] == 0.0, f"step {step} starts a cycle"
        else:
            assert 0.0 < betas[step] <= 2.0, f"step {step} is inside a cycle"
            assert betas[step] >= betas[step - 1]  # rising or holding within a cycle
    assert betas[total] == 2.0  # the end of training
    # Every cycle reaches β once its rising part is over, then holds it to its last step.
    for c in range(n_cycles):
        end = (c + 1) * total // n_cycles
        if end - c * total // n_cycles >= 4:
            assert betas[end - 1] == 2.0


def test_capacity_loss_penalises_distance_from_c():
    model = _tiny()
    x = torch.rand(8, 1, 4, 4).round()
    torch.manual_seed(0)
    terms = model(x, beta=10.0, capacity=1000.0)
    loss, recon, kl = terms.loss.item(), terms.recon.item(), terms.kl.item()
    assert loss == pytest.approx(recon + 10 * (1000 - kl), rel=1e-5)
