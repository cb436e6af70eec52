"""Text data sets: rows of token ids, with the vocabulary that reads them.

Built in, offline (``assets/text``, derived from WordNet 3.0 by
``assets/text/make_text.py``; its licence beside it):

- ``sentences``: WordNet's example phrases of at most 12 words and marks
  ("flowers carpeted the meadows"), word tokens, labelled by the part of
  speech of the synset that gave them;
- ``words``: WordNet's single-word lemmas of letters a-z, character tokens;
- ``chunks``: the sentences' token stream (each sentence ended by ``<eos>``)
  as characters cut into chunks of 8, for the CALM-style chunk autoencoder
  (training on every other window of 8, testing on consecutive chunks of the
  test sentences).

A person's own ``.txt`` (one example per line, UTF-8) works too, tokenised by
the ``tokens`` setting. Every row is int64 ids of length ``input_shape[0]``:
the tokens, ``<eos>``, then ``<pad>`` (``vae.model.vocabulary``).
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import numpy as np
import torch

from vae.data.base import Dataset, Entry, TensorSplit
from vae.data.common import human_bytes, split_indices
from vae.errors import DataError
from vae.model.vocabulary import TOKENISATIONS, Vocabulary, tokenise
from vae.paths import ASSETS

logger = logging.getLogger(__name__)

TEXT_DIR = ASSETS / "text"
PARTS_OF_SPEECH = ["noun", "verb", "adjective", "adverb"]
_POS = {"noun": 0, "verb": 1, "adj": 2, "adv": 3}
MAX_SENTENCE_TOKENS = 12
SENTENCE_VOCABULARY = 4000
MAX_WORD_CHARS = 16
CHUNK = 8  # characters per chunk (CALM's K = 4 subword tokens are about as long)
N_TEST = 2000

# Limits on a person's own text, so that a wrong file fails with a sentence: the file is read
# whole (at most MAX_TEXT_BYTES), each line is tokenised (at most MAX_LINE_TOKENS tokens), and the
# rows are at most 201 int64 ids each (≤ 8 MB per 5,000 lines).
MAX_TEXT_BYTES = 20 * 1024**2
MAX_LINE_CHARS = 2000
MAX_LINE_TOKENS = {"word": 64, "char": 200}
MAX_VOCABULARY = 20_000
MAX_UNKNOWN = 0.2
MIN_LINES = 10

SENTENCE_DEFAULTS = {
    "architecture": "gru", "likelihood": "categorical", "latent_dim": 16,
    "hidden_dims": (128,), "embedding_dim": 32, "epochs": 8, "batch_size": 64, "lr": 2e-3,
    "beta_schedule": "linear", "warmup_fraction": 0.5, "input_dropout": 0.3,
}  # fmt: skip
WORD_DEFAULTS = {**SENTENCE_DEFAULTS, "latent_dim": 8, "hidden_dims": (128,), "embedding_dim": 32,
                 "input_dropout": 0.25, "epochs": 10}  # fmt: skip
CHUNK_DEFAULTS = {
    "architecture": "chunk", "likelihood": "categorical", "latent_dim": 128,
    "hidden_dims": (256, 256), "embedding_dim": 32, "epochs": 20, "batch_size": 256,
    "lr": 1e-3, "beta": 0.001, "free_bits": 0.5, "free_bits_mode": "example",
    "input_dropout": 0.15, "latent_dropout": 0.15,
}  # fmt: skip


def _read_rows(name: str) -> list[tuple[str, str]]:
    path = TEXT_DIR / f"{name}.tsv.gz"
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return [tuple(line.rstrip("\n").split("\t", 1)) for line in handle]  # type: ignore[misc]
    except FileNotFoundError:
        raise DataError(
            f"{path} is missing; the built-in text data sets are committed in assets/text "
            "(python assets/text/make_text.py rebuilds them)."
        ) from None


def text_dataset(
    name: str,
    texts: list[str],
    labels: np.ndarray | None,
    tokenisation: str,
    seed: int,
    *,
    min_count: int,
    description: str,
    defaults: dict,
    class_names: list[str] | None = None,
) -> Dataset:
    """A text data set: a seeded split, the vocabulary of the training lines, id rows."""
    tokens = [tokenise(t, tokenisation) for t in texts]
    train_idx, test_idx = split_indices(
        len(texts), seed, labels, test_fraction=0.1, max_test=N_TEST
    )
    vocabulary = Vocabulary.build(
        (tokens[i] for i in train_idx), tokenisation, min_count, MAX_VOCABULARY
    )
    length = max(len(t) for t in tokens) + 1
    x = vocabulary.encode(texts, length)
    y = None if labels is None else torch.from_numpy(labels.astype(np.int64))

    def split(idx: np.ndarray) -> TensorSplit:
        index = torch.from_numpy(idx)
        return TensorSplit(x[index], None if y is None else y[index])

    logger.info("%s: %d train, %d test, %d tokens known", name, len(train_idx), len(test_idx),
                len(vocabulary))  # fmt: skip
    return Dataset(
        name=name, train=split(train_idx), test=split(test_idx), input_shape=(length,),
        kind="text", likelihood="categorical", default_architecture=defaults["architecture"],
        class_names=class_names, description=description, defaults=dict(defaults),
        vocabulary=vocabulary,
    )  # fmt: skip


def load_sentences(seed: int = 0, tokens: str = "word") -> Dataset:
    """The example phrases of at most 12 tokens whose every word is among the corpus' 4,000 most
    frequent (11,704 of 46,436): a softmax a laptop can train, and sentences without ``<unk>``.
    ``tokens="char"`` reads the same sentences as characters."""
    rows = [(pos, t, tokenise(t, "word")) for pos, t in _read_rows("sentences")]
    rows = [row for row in rows if len(row[2]) <= MAX_SENTENCE_TOKENS]
    common = Vocabulary.build((r[2] for r in rows), "word", 3, SENTENCE_VOCABULARY).index
    rows = [row for row in rows if all(t in common for t in row[2])]
    return text_dataset(
        "sentences", [r[1] for r in rows], np.array([_POS[r[0]] for r in rows]), tokens, seed,
        min_count=1, description=DESCRIPTIONS["sentences"], defaults=SENTENCE_DEFAULTS,
        class_names=PARTS_OF_SPEECH,
    )  # fmt: skip


def load_words(seed: int = 0) -> Dataset:
    rows = [(pos, w) for pos, w in _read_rows("words") if len(w) <= MAX_WORD_CHARS]
    return text_dataset(
        "words", [w for _, w in rows], np.array([_POS[p] for p, _ in rows]), "char", seed,
        min_count=1, description=DESCRIPTIONS["words"], defaults=WORD_DEFAULTS,
        class_names=PARTS_OF_SPEECH,
    )  # fmt: skip


def load_chunks(seed: int = 0) -> Dataset:
    """The sentences' train and test rows as character streams cut into chunks of ``CHUNK``.

    Characters, not words: a chunk autoencoder must reconstruct chunks it never saw, and 10.5k
    sentences are too few for a 3,906-word vocabulary (a word-level one reached 97.5 % token
    accuracy on its training chunks and 90–92 % on the test chunks); 8 characters are about
    as much text as CALM's 4 subword tokens."""
    sentences = load_sentences(seed, tokens="char")

    def chunks(split: TensorSplit, stride: int) -> TensorSplit:
        stream = split.x[split.x != 0]  # ids of every row in order, each row ended by <eos>
        return TensorSplit(stream.unfold(0, CHUNK, stride).clone())

    # Training sees every other window of 8 characters (4× the chunks of the same text); the
    # test split is the test sentences' stream cut into consecutive chunks, as CALM reads text.
    train, test = chunks(sentences.train, 2), chunks(sentences.test, CHUNK)
    return Dataset(
        name="chunks", train=train, test=test, input_shape=(CHUNK,), kind="text",
        likelihood="categorical", default_architecture="chunk",
        description=DESCRIPTIONS["chunks"], defaults=dict(CHUNK_DEFAULTS),
        vocabulary=sentences.vocabulary,
    )  # fmt: skip


def load_text_file(path: Path, *, tokens: str | None = None, seed: int = 0) -> Dataset:
    """A person's ``.txt``: one example per line, UTF-8, tokenised by ``tokens`` (default word)."""
    tokens = tokens or "word"
    if tokens not in TOKENISATIONS:
        raise DataError(f"tokens must be one of {', '.join(TOKENISATIONS)}, got {tokens!r}.")
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise DataError(
            f"{path} is {human_bytes(size)}; text files up to {human_bytes(MAX_TEXT_BYTES)} "
            "are accepted."
        )
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise DataError(f"{path} holds binary data (a NUL byte); expected UTF-8 text, one example "
                        "per line.")  # fmt: skip
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start} cannot be read); expected "
                        "UTF-8 text, one example per line.") from None  # fmt: skip
    lines = [" ".join(line.split()) for line in text.splitlines()]
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line]
    if len(numbered) < MIN_LINES:
        raise DataError(f"{path} has {len(numbered)} non-empty lines; at least {MIN_LINES} are "
                        "needed, one example per line.")  # fmt: skip
    for number, line in numbered:
        if len(line) > MAX_LINE_CHARS or len(tokenise(line, tokens)) > MAX_LINE_TOKENS[tokens]:
            raise DataError(
                f"line {number} of {path} has {len(tokenise(line[:100_000], tokens))} {tokens} "
                f"tokens; lines of up to {MAX_LINE_TOKENS[tokens]} {tokens} tokens are accepted."
            )
    texts = [line for _, line in numbered]
    data = text_dataset(
        path.stem, texts, None, tokens, seed, min_count=1 if tokens == "char" else 2,
        description=f"{len(texts)} lines of {path.name}",
        defaults={**(WORD_DEFAULTS if tokens == "char" else SENTENCE_DEFAULTS), "epochs": 20},
    )  # fmt: skip
    unknown = data.vocabulary.unknown_fraction(tokenise(t, tokens) for t in texts)
    if unknown > MAX_UNKNOWN:
        raise DataError(
            f"{path} has too many different {tokens}s for a vocabulary of {MAX_VOCABULARY} "
            f"({unknown:.0%} of its tokens would be unknown; up to {MAX_UNKNOWN:.0%} is "
            "accepted): try tokens=char."
        )
    return data


DESCRIPTIONS = {
    "sentences": "11.7k short English sentences: WordNet 3.0's example phrases in its 4,000 commonest words",
    "words": "77k English words: WordNet 3.0's one-word lemmas (characters)",
    "chunks": "the WordNet example sentences cut into chunks of 8 characters (CALM)",
}
ENTRIES = (
    Entry("sentences", DESCRIPTIONS["sentences"], SENTENCE_DEFAULTS,
          lambda image_size=None, data_dir=None, seed=0: load_sentences(seed)),
    Entry("words", DESCRIPTIONS["words"], WORD_DEFAULTS,
          lambda image_size=None, data_dir=None, seed=0: load_words(seed)),
    Entry("chunks", DESCRIPTIONS["chunks"], CHUNK_DEFAULTS,
          lambda image_size=None, data_dir=None, seed=0: load_chunks(seed)),
)  # fmt: skip
