"""Speed benchmarks of VAE Lab: each module prints JSON (``python -m benchmarks.run_all``)."""
