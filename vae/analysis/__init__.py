"""What a trained model says: latent operations, posteriors, density, restoration, attributes, own input, reports."""
