"""The linear and k-NN probes and the PCA baseline."""

from __future__ import annotations

import numpy as np
import pytest
from metric_codes import noise_code

from vae.errors import ConfigError
from vae.metrics.representation import classifier_accuracy, pca_baseline


def clusters(n: int, n_classes: int, spread: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_classes, 6)) * 10
    y = rng.integers(n_classes, size=n)
    return centres[y] + spread * rng.standard_normal((n, 6)), y


def test_classifier_accuracy_separable_and_noise():
    x, y = clusters(600, 4, spread=0.5)
    scores = classifier_accuracy(x[:400], y[:400], x[400:], y[400:])
    assert scores["knn"] > 0.99 and scores["logreg"] > 0.99
    noise = noise_code(600, 6)
    chance = classifier_accuracy(noise[:400], y[:400], noise[400:], y[400:], k=15)
    assert chance["knn"] == pytest.approx(0.25, abs=0.1)
    assert chance["logreg"] == pytest.approx(0.25, abs=0.1)


def test_pca_baseline_on_images_with_the_class_in_the_top_components():
    x, y = clusters(600, 3, spread=0.5)
    rng = np.random.default_rng(1)
    # Embed the 6-D clusters in 16-pixel "images" of shape (1, 4, 4).
    images = (x @ rng.standard_normal((6, 16))).reshape(600, 1, 4, 4)
    scores = pca_baseline(images[:400], y[:400], images[400:], y[400:], n_components=3)
    assert scores["knn"] > 0.95 and scores["logreg"] > 0.95
    with pytest.raises(ConfigError, match="n_components"):
        pca_baseline(images[:10], y[:10], images[10:20], y[10:20], n_components=50)
