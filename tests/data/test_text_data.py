"""Text data: the built-in corpora load offline with a fixed split; a person's .txt is checked."""

import pytest
import torch

from vae.data import load_dataset
from vae.data.text import MAX_LINE_TOKENS, MAX_TEXT_BYTES
from vae.errors import DataError
from vae.model.vocabulary import EOS


@pytest.fixture(scope="module")
def sentences():
    return load_dataset("sentences")


def test_the_sentences_are_wordnet_examples_without_unknown_words(sentences):
    assert sentences.kind == "text" and sentences.likelihood == "categorical"
    assert len(sentences.train) == 10534 and len(sentences.test) == 1170
    assert sentences.input_shape == (13,) and len(sentences.vocabulary) == 3906
    x = sentences.test.x
    assert x.dtype == torch.long and (x == EOS).sum(1).eq(1).all()
    assert sentences.class_names == ["noun", "verb", "adjective", "adverb"]
    again = load_dataset("sentences")
    assert torch.equal(again.test.x, x)  # the same split every time


def test_chunks_cut_the_same_sentences_into_rows_of_eight_characters(sentences):
    chunks = load_dataset("chunks")
    chars = load_dataset("chunks").vocabulary
    assert chunks.input_shape == (8,) and chars.tokenisation == "char"
    text = chars.decode(chunks.test.x[:3].reshape(1, -1))[0]
    first = sentences.vocabulary.decode(sentences.test.x[:1])[0]
    assert text.startswith(first[:20])  # the test sentences' characters, in order
    assert len(chunks.train) == 149301 and len(chunks.test) == 4191


def test_words_are_characters(tmp_path):
    words = load_dataset("words")
    assert words.vocabulary.tokenisation == "char" and len(words.vocabulary) < 40
    assert all(w.isalpha() for w in words.vocabulary.decode(words.test.x[:50]))


def _write(path, text: str | bytes):
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_a_text_file_loads_with_either_tokenisation(tmp_path):
    lines = [f"line number {i} of my own text" for i in range(40)]
    path = _write(tmp_path / "mine.txt", "\n".join(lines) + "\n\n")
    words = load_dataset(str(path))
    assert words.kind == "text" and len(words.train) + len(words.test) == 40
    assert words.vocabulary.tokenisation == "word" and words.input_shape == (8,)
    chars = load_dataset(str(path), tokens="char")
    assert chars.vocabulary.tokenisation == "char"
    assert chars.input_shape == (max(len(s) for s in lines) + 1,)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"abc\x00def\n" * 20, "binary data"),
        ("é\n".encode("latin-1") * 20, "not UTF-8 text"),
        ("\n\n  \n", "0 non-empty lines"),
        ("short\n" * 20 + " ".join(["w"] * (MAX_LINE_TOKENS["word"] + 1)) + "\n", "line 21 of"),
    ],
)
def test_a_bad_text_file_is_refused_in_one_sentence(tmp_path, content, message):
    path = _write(tmp_path / "bad.txt", content)
    with pytest.raises(DataError, match=message):
        load_dataset(str(path))


def test_a_vocabulary_that_would_not_fit_is_refused(tmp_path):
    # 30,000 different words, each once: word tokens would leave them all unknown.
    lines = [" ".join(f"w{i * 10 + j}" for j in range(10)) for i in range(3000)]
    path = _write(tmp_path / "many.txt", "\n".join(lines))
    with pytest.raises(DataError, match="too many different words"):
        load_dataset(str(path))
    assert load_dataset(str(path), tokens="char").vocabulary.tokenisation == "char"


def test_a_text_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(MAX_TEXT_BYTES + 1)
    with pytest.raises(DataError, match="text files up to 20.0 MiB"):
        load_dataset(str(path))
