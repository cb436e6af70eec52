"""The prior seam: N(0, I) answers with known values, and the model asks its prior."""

import math

import pytest
import torch

from vae import VAE, VAEConfig
from vae.model.priors import Prior, StandardNormal


def test_standard_normal_knows_its_density_samples_and_kl():
    prior = StandardNormal(3)
    assert float(prior.log_prob(torch.zeros(3))) == pytest.approx(-1.5 * math.log(2 * math.pi))
    torch.manual_seed(0)
    z = prior.sample(200_000)
    assert z.shape == (200_000, 3)
    torch.testing.assert_close(z.mean(0), torch.zeros(3), atol=0.01, rtol=0)
    torch.testing.assert_close(z.var(0), torch.ones(3), atol=0.01, rtol=0)
    assert prior.sample(4, temperature=0.0).abs().max() == 0
    # Closed-form KL against its Monte Carlo estimate.
    mean, logvar = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.2, -0.7, 0.4])
    samples = mean + torch.exp(0.5 * logvar) * torch.randn(200_000, 3)
    log_q = (-0.5 * (math.log(2 * math.pi) + logvar + (samples - mean) ** 2 / logvar.exp())).sum(-1)
    mc = prior.kl(samples, log_q)
    exact = prior.kl_per_dim(mean, logvar).sum()
    assert abs(float(mc.mean() - exact)) < 4 * float(mc.std()) / math.sqrt(200_000)


def test_a_seeded_sample_is_the_one_torch_randn_draws():
    # The bundled pages' pictures depend on these exact draws.
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(StandardNormal(4).sample(6, generator=g1), torch.randn(6, 4, generator=g2))


class Shifted(Prior):
    """N(shift, I): a prior that is not N(0, I), to show the model asks rather than assumes."""

    has_closed_form = True
    shift = 3.0

    def sample(self, n, *, temperature=1.0, generator=None, device=None, dtype=None):
        return self.shift + temperature * torch.randn(n, self.dim, generator=generator)

    def log_prob(self, z):
        return StandardNormal(self.dim).log_prob(z - self.shift)

    def kl_per_dim(self, mean, logvar):
        return StandardNormal(self.dim).kl_per_dim(mean - self.shift, logvar)


def test_the_model_asks_its_prior_everywhere():
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, hidden_dims=(16,)), (5,)).eval()
    x = torch.rand(8, 5).round()
    torch.manual_seed(1)
    before = model(x)
    model.prior = Shifted(2)
    torch.manual_seed(1)
    after = model(x)
    posterior = model.encode(x)
    expected = Shifted(2).kl_per_dim(posterior.base_mean, posterior.logvar).sum(-1).mean()
    torch.testing.assert_close(after.kl, expected)
    assert after.kl.item() > before.kl.item() + 5  # the posteriors sit near 0, the prior at 3
    torch.testing.assert_close(posterior.kl_per_dim().sum(-1).mean(), expected)
    torch.manual_seed(2)
    samples = model.sample(3)
    torch.manual_seed(2)
    torch.testing.assert_close(samples, model.decode(3.0 + torch.randn(3, 2)))
    w = model.log_importance_weights(x, k=4)
    assert w.shape == (8, 4) and torch.isfinite(w).all()
