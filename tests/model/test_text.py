"""Text models: the vocabulary, the categorical likelihood, token dropout, decoding, I(x; z)."""

import math

import pytest
import torch

from vae.model.autoencoder import VAE
from vae.model.config import VAEConfig
from vae.model.distributions import categorical_log_likelihood, log_likelihood
from vae.model.text_evaluation import mutual_information, per_token
from vae.model.text_networks import drop_tokens
from vae.model.vocabulary import BOS, EOS, PAD, UNK, Vocabulary, join, tokenise


def _vocabulary() -> Vocabulary:
    return Vocabulary.build([["the", "cat", "sat"], ["the", "dog"]], "word")


def test_a_vocabulary_round_trips_text_and_json():
    v = _vocabulary()
    assert v.tokens[:4] == ("<pad>", "<unk>", "<bos>", "<eos>") and v.tokens[4] == "the"
    x = v.encode(["The cat sat", "the bird"], 5)
    assert x.tolist() == [[4, 5, 6, EOS, PAD], [4, UNK, EOS, PAD, PAD]]
    assert v.decode(x) == ["the cat sat", "the <unk>"]
    assert Vocabulary.from_dict(v.to_dict()) == v
    assert v.encode(["the cat sat the dog"], 3).tolist() == [[4, 5, EOS]]  # cut to fit, ended


def test_an_eos_inside_a_chunk_shows_as_a_pilcrow():
    v = _vocabulary()
    assert v.decode([[5, EOS, 4, 7]]) == ["cat ¶ the dog"]


def test_words_and_marks_are_tokenised_and_joined_back():
    assert tokenise("Don't stop, Sam!", "word") == ["don", "'", "t", "stop", ",", "sam", "!"]
    assert join(tokenise("Don't stop, Sam!", "word"), "word") == "don't stop, sam!"
    assert join(tokenise("a good-looking job", "word"), "word") == "a good-looking job"
    assert tokenise("Ab c", "char") == ["a", "b", " ", "c"]


def test_the_categorical_likelihood_sums_log_softmax_over_real_tokens_only():
    logits = torch.log(torch.tensor([[[0.5, 0.25, 0.25], [0.2, 0.2, 0.6], [1 / 3, 1 / 3, 1 / 3]]]))
    x = torch.tensor([[1, 2, 0]])  # the last position is padding: it costs nothing
    expected = math.log(0.25) + math.log(0.6)
    assert float(categorical_log_likelihood(x, logits)) == pytest.approx(expected, abs=1e-6)
    stacked = logits.expand(4, 1, 3, 3)  # leading sample dimension
    got = log_likelihood(x, stacked, "categorical", None)
    assert got.shape == (4, 1) and torch.allclose(got, torch.full((4, 1), expected))


def test_token_dropout_hits_the_rate_and_never_padding_or_bos():
    torch.manual_seed(0)
    ids = torch.randint(4, 50, (200, 50))
    ids[:, 0], ids[:, -5:] = BOS, PAD
    dropped = drop_tokens(ids, 0.3)
    hit = dropped != ids
    assert (dropped[hit] == UNK).all()
    assert not hit[:, 0].any() and not hit[:, -5:].any()
    share = float(hit[:, 1:-5].double().mean())
    assert abs(share - 0.3) < 0.01  # 8,800 tokens: the standard error is 0.005
    assert torch.equal(drop_tokens(ids, 0.0), ids)


def _text_model(architecture: str = "gru", **fields) -> VAE:
    config = VAEConfig(architecture=architecture, likelihood="categorical", latent_dim=4,
                       hidden_dims=(16,), embedding_dim=8, vocab_size=7, **fields)  # fmt: skip
    torch.manual_seed(0)
    return VAE(config, (5,)).eval()


def test_the_elbo_of_a_sentence_vae_is_its_two_parts_and_iwae_is_a_tighter_bound():
    model = _text_model(input_dropout=0.5)
    x = torch.tensor([[4, 5, 6, EOS, PAD], [6, EOS, PAD, PAD, PAD]])
    terms = model(x)
    elbo, recon, kl = (float(t.detach()) for t in (terms.elbo, terms.recon, terms.kl))
    assert elbo == pytest.approx(-recon - kl, abs=1e-5)
    log_w = model.log_importance_weights(x, k=64)
    iwae = torch.logsumexp(log_w, 1) - math.log(64)
    assert (iwae >= log_w.mean(1) - 1e-6).all()


def test_word_dropout_acts_in_training_only():
    model = _text_model(input_dropout=0.9)
    x = torch.tensor([[4, 5, 6, 4, EOS]])
    z = torch.zeros(1, 4)
    evaluation = model.decoder_params(z, None, x)
    assert torch.equal(evaluation, model.decoder_params(z, None, x))
    model.train()
    torch.manual_seed(1)
    assert not torch.allclose(model.decoder_params(z, None, x), evaluation)


def test_greedy_and_beam_decoding_end_every_row_and_beam_finds_the_best_sequence():
    model = _text_model()
    z = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    for method in ("greedy", "beam", "sample"):
        out = model.generate(z, method=method)
        assert out.shape == (3, 5) and out.dtype == torch.long
        for row in out.tolist():
            assert EOS in row and all(t == PAD for t in row[row.index(EOS) + 1 :])

    def score(rows: torch.Tensor) -> torch.Tensor:
        return categorical_log_likelihood(rows, model.decoder_params(z, None, rows))

    # Beam search keeps 5 prefixes: it finds a sequence at least as likely as greedy's.
    assert (score(model.generate(z, method="beam")) >= score(model.generate(z)) - 1e-5).all()


def test_the_chunk_decoder_is_non_autoregressive_and_greedy_is_its_mode():
    model = _text_model("chunk", input_dropout=0.15)
    z = torch.randn(2, 4)
    logits = model.decoder_params(z, None)
    assert logits.shape == (2, 5, 7)
    assert torch.equal(model.generate(z), logits.argmax(-1))
    assert torch.equal(model.generate(z, method="beam"), logits.argmax(-1))


def test_per_token_figures_divide_by_the_predicted_tokens():
    x = torch.tensor([[4, 5, EOS, PAD], [4, EOS, PAD, PAD]])  # 3 + 2 tokens predicted
    out = per_token(torch.tensor([6.0, 4.0]), x)
    assert out["nll"] == pytest.approx(5.0)
    assert out["nll_per_token"] == pytest.approx(2.0)
    assert out["perplexity"] == pytest.approx(math.exp(2.0))


def test_mutual_information_is_zero_for_identical_posteriors_and_log_2_for_two_far_groups():
    same = mutual_information(torch.zeros(500, 8), torch.zeros(500, 8))
    assert same == pytest.approx(0.0, abs=1e-9)
    mean = torch.zeros(1000, 2)
    mean[500:, 0] = 50.0  # two posteriors that never overlap, half the examples each
    assert mutual_information(mean, torch.zeros(1000, 2)) == pytest.approx(math.log(2), abs=1e-6)
    # Four far groups: log 4, the entropy of which group an example came from.
    mean = torch.zeros(1000, 2)
    mean[250:500, 0], mean[500:750, 1], mean[750:, 0] = 40.0, 40.0, -40.0
    assert mutual_information(mean, torch.zeros(1000, 2)) == pytest.approx(math.log(4), abs=1e-6)
