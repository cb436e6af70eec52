"""Tokens and their ids: how a text becomes the int64 rows a text model reads, and back.

Two tokenisations, chosen by the ``tokens`` setting: ``word`` (lower-cased
words and punctuation marks, ``\\w+|[^\\w\\s]``) and ``char`` (lower-cased
characters). Ids 0–3 are special: ``<pad>`` fills a row after its end,
``<unk>`` stands for a token outside the vocabulary (and for a dropped word),
``<bos>`` starts the decoder's input and ``<eos>`` ends every example (its
probability is part of each sentence's likelihood, as in Bowman et al. 2016).
A vocabulary is saved as JSON beside the model (``vocabulary.json``): never a
pickle.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from vae.errors import CheckpointError, DataError
from vae.io import atomic_write_json

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
TOKENISATIONS = ("word", "char")
VOCABULARY_FILE = "vocabulary.json"
_WORD = re.compile(r"\w+|[^\w\s]")


def tokenise(text: str, tokens: str) -> list[str]:
    """``text`` as a list of tokens (lower-cased words and marks, or characters)."""
    text = " ".join(text.lower().split())
    if tokens == "char":
        return list(text)
    return _WORD.findall(text)


def join(tokens: Sequence[str], tokenisation: str) -> str:
    """Tokens back to text: characters run together, words spaced, marks close to their word."""
    if tokenisation == "char":
        return "".join(tokens)
    text = " ".join(tokens).replace(" ' ", "'").replace(" - ", "-")
    return re.sub(r" ([,.;:!?)'])", r"\1", re.sub(r"([(]) ", r"\1", text))


@dataclass(frozen=True)
class Vocabulary:
    """The tokens a text model knows, in id order (the four specials first)."""

    tokens: tuple[str, ...]
    tokenisation: str = "word"

    @classmethod
    def build(
        cls,
        texts: Iterable[list[str]],
        tokenisation: str,
        min_count: int = 1,
        max_size: int | None = None,
    ) -> Vocabulary:
        """The most frequent tokens (ties in order of first sight) seen at least ``min_count`` times."""
        counts = Counter(t for tokens in texts for t in tokens)
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])  # stable: first sight breaks ties
        kept = [t for t, c in ranked if c >= min_count and t not in SPECIALS]
        if max_size is not None:
            kept = kept[: max(0, max_size - len(SPECIALS))]
        return cls(SPECIALS + tuple(kept), tokenisation)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tokens)}

    def encode(self, texts: Sequence[str], length: int) -> torch.Tensor:
        """Texts as an int64 (n, length) tensor: ids, ``<eos>``, then ``<pad>``; cut to fit."""
        index = self.index
        out = torch.full((len(texts), length), PAD, dtype=torch.long)
        for row, text in enumerate(texts):
            ids = [index.get(t, UNK) for t in tokenise(text, self.tokenisation)][: length - 1]
            out[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            out[row, len(ids)] = EOS
        return out

    def decode(self, ids: torch.Tensor | Sequence[Sequence[int]]) -> list[str]:
        """Each row of ids as text, up to its last ``<eos>``; an ``<eos>`` inside a row (a chunk of a
        token stream) is shown as ``¶``, ``<unk>`` as ``<unk>``."""
        rows = ids.tolist() if isinstance(ids, torch.Tensor) else [list(r) for r in ids]
        texts = []
        for row in rows:
            words = []
            for j, i in enumerate(row):
                i = int(i)
                if i == EOS:
                    if all(int(k) in (PAD, EOS) for k in row[j + 1 :]):
                        break
                    words.append("¶")
                    continue
                if i in (PAD, BOS) or not 0 <= i < len(self.tokens):
                    continue
                words.append(self.tokens[i])
            texts.append(join(words, self.tokenisation))
        return texts

    def unknown_fraction(self, texts: Iterable[list[str]]) -> float:
        index = self.index
        total = unknown = 0
        for tokens in texts:
            total += len(tokens)
            unknown += sum(t not in index for t in tokens)
        return unknown / max(total, 1)

    def to_dict(self) -> dict:
        return {"tokenisation": self.tokenisation, "tokens": list(self.tokens)}

    def save(self, directory: str | Path) -> None:
        atomic_write_json(Path(directory) / VOCABULARY_FILE, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        tokens = data.get("tokens") if isinstance(data, dict) else None
        tokenisation = data.get("tokenisation") if isinstance(data, dict) else None
        if (
            not isinstance(tokens, list)
            or tuple(tokens[: len(SPECIALS)]) != SPECIALS
            or not all(isinstance(t, str) for t in tokens)
            or tokenisation not in TOKENISATIONS
        ):
            raise DataError(
                "a vocabulary must be a JSON object with 'tokenisation' (word or char) and "
                f"'tokens' (strings, starting with {', '.join(SPECIALS)})."
            )
        return cls(tuple(tokens), tokenisation)

    @classmethod
    def load(cls, directory: str | Path) -> Vocabulary:
        path = Path(directory) / VOCABULARY_FILE
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except FileNotFoundError:
            raise CheckpointError(
                f"{directory} has no {VOCABULARY_FILE}; a text model needs it."
            ) from None
        except (ValueError, DataError) as exc:
            raise CheckpointError(f"{path} is not a valid vocabulary ({exc}).") from None
