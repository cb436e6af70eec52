"""The model: the VAE, its networks, posteriors, priors, likelihoods, settings and objectives."""
