"""Text from the command line: a sentence VAE and its baseline on a person's .txt, then evaluate."""

import json
import math
import os
import subprocess
import sys

import pytest


def _cli(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "vae", *args], capture_output=True, text=True, timeout=300, **kwargs
    )


def test_a_sentence_vae_trains_on_a_text_file_and_evaluate_prints_the_text_figures(tmp_path):
    words = ["red", "green", "blue", "small", "big", "cat", "dog", "bird", "runs", "sleeps"]
    lines = [f"the {words[i % 5]} {words[5 + i % 3]} {words[8 + i % 2]}" for i in range(120)]
    (tmp_path / "mine.txt").write_text("\n".join(lines) + "\n")
    env = {**os.environ, "VAE_LAB_RUNS": str(tmp_path), "VAE_LAB_THREADS": "1"}
    run = tmp_path / "text"
    result = _cli("train", "--dataset", str(tmp_path / "mine.txt"), "--out", str(run),
                  "--epochs", "2", "--latent-dim", "4", "--hidden-dims", "32", env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (run / "vocabulary.json").is_file() and (run / "baseline" / "summary.json").is_file()
    vocabulary = json.loads((run / "vocabulary.json").read_text())
    assert vocabulary["tokenisation"] == "word" and "cat" in vocabulary["tokens"]
    result = _cli("evaluate", str(run), "--json", "--k", "20", "--metrics", "elbo", "likelihood",
                  env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in ("nll", "nll_per_token", "perplexity", "kl", "active_units",
                "mutual_information", "baseline_nll", "baseline_perplexity"):  # fmt: skip
        assert isinstance(figures[key], int | float), key
    assert figures["nll"] == pytest.approx(-figures["log_likelihood"])
    assert figures["perplexity"] == pytest.approx(math.exp(figures["nll_per_token"]))
    # A text architecture on pictures, or pictures' on text, is refused in one line.
    bad = _cli("train", "--dataset", "digits", "--architecture", "gru", "--out",
               str(tmp_path / "bad"), env=env)  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    bad = _cli("train", "--dataset", str(tmp_path / "mine.txt"), "--architecture", "mlp",
               "--likelihood", "bernoulli", "--out", str(tmp_path / "bad2"), env=env)  # fmt: skip
    assert bad.returncode == 2 and "text" in bad.stderr
