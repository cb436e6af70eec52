"""Text: rows of token ids, shown and hovered as their sentence, typed in, words dropped or masked.

A text model's ids mean nothing without its vocabulary, so the seam's text
modality is *bound* to a model folder (``bind``: its ``vocabulary.json``)
before it renders or reads anything.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import torch

from vae.errors import DataError
from vae.modalities import register
from vae.modalities.base import Modality
from vae.model.vocabulary import EOS, PAD, UNK, Vocabulary, tokenise

CORRUPTIONS = {
    "mask": "words masked: that fraction of the words replaced by <unk>",
    "drop": "words dropped: that fraction of the words deleted",
}
MAX_TYPED_CHARS = 1000


def _ids(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).long()


@register
class Text(Modality):
    name = "text"
    kinds = ("text",)
    noun, plural = "sentence", "sentences"
    display = "text"
    inputs = ("text",)
    upload_types = ("txt",)
    corruptions = CORRUPTIONS

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary

    def bind(self, directory: str | Path) -> Text:
        return Text(Vocabulary.load(directory))

    def _vocabulary(self) -> Vocabulary:
        if self.vocabulary is None:
            raise DataError("text needs its model's vocabulary; bind the modality to the model.")
        return self.vocabulary

    def render(self, x: torch.Tensor | np.ndarray, target: int = 96) -> list[str]:
        """Each row of ids as its text (``<unk>`` for unknown words)."""
        return self._vocabulary().decode(_ids(x))

    def hover(self, x: torch.Tensor | np.ndarray) -> list[str]:
        """The sentences, escaped: a plotly tooltip reads "<unk>" as an HTML tag and drops it."""
        return [html.escape(t) for t in self.render(x)]

    def read(self, texts: list[str], length: int) -> torch.Tensor:
        """Typed texts as rows of ids of the model's length; one sentence if one is unusable."""
        for text in texts:
            if not text.strip():
                raise DataError("the text is empty; type a sentence.")
            if len(text) > MAX_TYPED_CHARS:
                raise DataError(
                    f"the text has {len(text)} characters; up to {MAX_TYPED_CHARS} are accepted."
                )
        return self._vocabulary().encode(texts, length)

    def unknown_words(self, text: str) -> list[str]:
        """The tokens of ``text`` the vocabulary does not know (they read as ``<unk>``)."""
        vocabulary = self._vocabulary()
        index = vocabulary.index
        return [t for t in tokenise(text, vocabulary.tokenisation) if t not in index]

    def corrupt(
        self, x: torch.Tensor, kind: str, amount: float, seed: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Mask (``<unk>``) or drop that fraction of each row's words (never its ``<eos>``).

        ``missing`` marks the masked positions; after a drop the words that stay move left,
        so nothing is marked."""
        x = _ids(x)
        generator = torch.Generator().manual_seed(seed)
        words = (x != PAD) & (x != EOS)
        hit = (torch.rand(x.shape, generator=generator) < min(max(amount, 0.0), 1.0)) & words
        if kind == "mask":
            return x.masked_fill(hit, UNK), hit
        if kind != "drop":
            raise DataError(
                f"text corruption must be one of {', '.join(CORRUPTIONS)}, got {kind!r}."
            )
        out = torch.full_like(x, PAD)
        for row in range(x.shape[0]):
            kept = x[row][~hit[row] & (x[row] != PAD)]
            out[row, : kept.numel()] = kept
        return out, torch.zeros_like(hit)

    def distance(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """The fraction of positions (of the longer row) whose tokens differ: 0 for the same
        sentence, 1 for sentences that share no word in place."""
        a, b = _ids(a), _ids(b)
        same = (a.unsqueeze(1) == b.unsqueeze(0)) & (a.unsqueeze(1) != PAD)
        length = torch.maximum((a != PAD).sum(-1).unsqueeze(1), (b != PAD).sum(-1).unsqueeze(0))
        return 1.0 - same.sum(-1).double() / length.clamp(min=1).double()
