"""Seeds of one recipe are found beside a model, and evaluate ranks it among them with UDR."""

from vae.analysis.report import evaluate_run
from vae.analysis.seeds import seed_siblings
from vae.training.configs import configs_for
from vae.training.train import train

FAST = {"dataset": "moons", "latent_dim": 2, "hidden_dims": (16,), "epochs": 3, "batch_size": 256}


def _train(out, **overrides):
    model_config, train_config, data = configs_for({**FAST, **overrides})
    return train(model_config, train_config, out, data=data)


def test_evaluate_ranks_a_model_among_the_seeds_of_its_recipe(tmp_path):
    for seed in (0, 1, 2):
        _train(tmp_path / f"s{seed}", seed=seed)
    _train(tmp_path / "wider", seed=3, latent_dim=3)  # another recipe: not a sibling
    assert [p.name for p in seed_siblings(tmp_path / "s1")] == ["s0", "s2"]
    assert seed_siblings(tmp_path / "wider") == []
    result = evaluate_run(tmp_path / "s1", metrics=["elbo", "disentanglement"], quick=True)
    assert result["udr_models"] == ["s1", "s0", "s2"]
    low, high = result["udr_range"]
    assert 0 <= low <= result["udr"] <= high <= 1
    assert result["uncertainty"]["udr"] == (high - low) / 2
    assert "other seeds: s0, s2" in result["protocol"]["udr"]
    assert "udr" not in evaluate_run(tmp_path / "wider", metrics=["elbo"], quick=True)
