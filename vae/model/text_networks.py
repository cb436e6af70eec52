"""Networks for text: rows of token ids (n, T) in, logits (..., n, T, V) out.

- ``gru`` (Bowman et al. 2016, "Generating Sentences from a Continuous Space"):
  a GRU reads the sentence, its last state at ``<eos>`` is the encoder's
  feature; the decoder is an autoregressive GRU whose first state is
  tanh(W z + b) and which reads the sentence shifted by one (``<bos>`` first).
  The model's ``input_dropout`` is Bowman's *word dropout* here: in training,
  that fraction of the decoder's input words becomes ``<unk>``, so the decoder
  must lean on z. With z fixed at 0 the same decoder is a plain GRU language
  model (``LanguageModel``), the baseline Bowman compares the VAE's NLL with.
- ``chunk`` (CALM, Shao et al. 2025): K tokens → one latent vector with
  non-autoregressive MLPs; the decoder predicts all K tokens at once. The
  model's ``input_dropout`` masks that fraction of the encoder's input tokens
  (``<unk>``), CALM's input-side dropout.

Decoding (``generate``): greedy, sampled (with a temperature) or beam search;
for the chunk decoder the K positions are independent given z, so greedy *is*
the exact mode and beam search returns it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vae.model.vocabulary import BOS, EOS, PAD, UNK

DECODINGS = ("greedy", "sample", "beam")


def drop_tokens(ids: torch.Tensor, rate: float, keep: tuple[int, ...] = (PAD, BOS)) -> torch.Tensor:
    """``ids`` with each token (but ``keep``'s) replaced by ``<unk>`` with probability ``rate``."""
    if rate <= 0:
        return ids
    hit = torch.rand(ids.shape, device=ids.device) < rate
    for token in keep:
        hit &= ids != token
    return ids.masked_fill(hit, UNK)


def _flat(z: torch.Tensor, x: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """z of shape (..., n, d) as (m, d), and x (n, T) repeated to (m, T) to match."""
    flat = z.reshape(-1, z.shape[-1])
    if x is not None and flat.shape[0] != x.shape[0]:
        x = x.repeat(flat.shape[0] // x.shape[0], 1)
    return flat, x


class GRUEncoder(nn.Module):
    def __init__(self, vocab: int, embedding: int, hidden: int, cond_dim: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding, padding_idx=PAD)
        self.gru = nn.GRU(embedding, hidden, batch_first=True)
        self.out_dim = hidden + cond_dim

    def forward(self, x: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        states, _ = self.gru(self.embed(x))
        # The state after the last real token (<eos>), not after the padding.
        last = (x != PAD).sum(1).clamp(min=1) - 1
        h = states[torch.arange(x.shape[0], device=x.device), last]
        return h if c is None else torch.cat([h, c], dim=1)


class GRUDecoder(nn.Module):
    def __init__(
        self, vocab: int, embedding: int, hidden: int, latent: int, cond_dim: int, length: int,
        word_dropout: float,
    ) -> None:  # fmt: skip
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding, padding_idx=PAD)
        self.init = nn.Linear(latent + cond_dim, hidden)
        self.gru = nn.GRU(embedding, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)
        self.length = length
        self.word_dropout = word_dropout

    def _start(self, z: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        if c is not None:
            c = c.expand(*z.shape[:-1], c.shape[-1]) if z.dim() > c.dim() else c
            z = torch.cat([z, c], dim=-1)
        return torch.tanh(self.init(z.reshape(-1, z.shape[-1])))

    def forward(self, z: torch.Tensor, c: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits of every position: (..., n, T, V) for z of shape (..., n, d)."""
        h0 = self._start(z, c)
        _, x = _flat(z, x)
        inputs = torch.cat([torch.full_like(x[:, :1], BOS), x[:, :-1]], dim=1)
        if self.training:
            inputs = drop_tokens(inputs, self.word_dropout)
        states, _ = self.gru(self.embed(inputs), h0.unsqueeze(0).contiguous())
        logits = self.out(states)
        return logits.view(*z.shape[:-1], *logits.shape[1:])

    @torch.no_grad()
    def generate(
        self, z: torch.Tensor, c: torch.Tensor | None, method: str = "greedy",
        temperature: float = 1.0, beam: int = 5,
    ) -> torch.Tensor:  # fmt: skip
        """Token ids (n, T) decoded from z (n, d): each row ends with ``<eos>`` then ``<pad>``."""
        if method == "beam":
            return self._beam(self._start(z, c), beam)
        h = self._start(z, c).unsqueeze(0).contiguous()
        n = h.shape[1]
        token = torch.full((n,), BOS, dtype=torch.long, device=z.device)
        out = torch.full((n, self.length), PAD, dtype=torch.long, device=z.device)
        done = torch.zeros(n, dtype=torch.bool, device=z.device)
        for t in range(self.length):
            state, h = self.gru(self.embed(token).unsqueeze(1), h)
            logits = self.out(state[:, 0])
            if t == self.length - 1:
                token = torch.full_like(token, EOS)
            elif method == "sample":
                token = torch.multinomial(F.softmax(logits / max(temperature, 1e-6), -1), 1)[:, 0]
            else:
                token = logits.argmax(-1)
            out[:, t] = torch.where(done, torch.full_like(token, PAD), token)
            done |= token == EOS
            if bool(done.all()):
                break
        return out

    def _beam(self, h0: torch.Tensor, width: int) -> torch.Tensor:
        """Beam search: the ``width`` best prefixes by summed log-probability, finished ones kept."""
        n, device, length = h0.shape[0], h0.device, self.length
        h = h0.repeat_interleave(width, 0).unsqueeze(0).contiguous()  # (1, n·B, H)
        scores = torch.full((n, width), -float("inf"), device=device)
        scores[:, 0] = 0.0  # one live beam at the start, so the first step's beams differ
        seqs = torch.full((n, width, length), PAD, dtype=torch.long, device=device)
        done = torch.zeros(n, width, dtype=torch.bool, device=device)
        token = torch.full((n * width,), BOS, dtype=torch.long, device=device)
        for t in range(length):
            state, h = self.gru(self.embed(token).unsqueeze(1), h)
            logp = F.log_softmax(self.out(state[:, 0]), -1).view(n, width, -1)
            if t == length - 1:  # the last position can only end the sentence
                forced = torch.full_like(logp, -float("inf"))
                forced[..., EOS] = 0.0
                logp = forced
            # A finished beam continues with <pad> at no cost, and only with it.
            finished = torch.full_like(logp, -float("inf"))
            finished[..., PAD] = 0.0
            logp = torch.where(done.unsqueeze(-1), finished, logp)
            total = (scores.unsqueeze(-1) + logp).view(n, -1)
            scores, flat = total.topk(width, dim=-1)
            origin, token2 = flat // logp.shape[-1], flat % logp.shape[-1]
            seqs = seqs.gather(1, origin.unsqueeze(-1).expand(-1, -1, length)).clone()
            seqs[:, :, t] = token2
            done = done.gather(1, origin) | (token2 == EOS)
            h = (
                h.view(1, n, width, -1)
                .gather(2, origin.view(1, n, width, 1).expand(1, n, width, h.shape[-1]))
                .reshape(1, n * width, -1)
                .contiguous()
            )
            token = token2.view(-1)
            if bool(done.all()):
                break
        return seqs[:, 0]


class ChunkEncoder(nn.Module):
    def __init__(
        self, vocab: int, embedding: int, length: int, hidden: tuple[int, ...], cond_dim: int,
        token_dropout: float,
    ) -> None:  # fmt: skip
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding)
        layers: list[nn.Module] = []
        sizes = [length * embedding + cond_dim, *hidden]
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.GELU()]
        self.net = nn.Sequential(*layers)
        self.out_dim = sizes[-1]
        self.token_dropout = token_dropout

    def forward(self, x: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        if self.training:
            x = drop_tokens(x, self.token_dropout, keep=())
        h = self.embed(x).flatten(1)
        return self.net(h if c is None else torch.cat([h, c], dim=1))


class ChunkDecoder(nn.Module):
    """z → an MLP → K vectors of the embedding's size → logits against the encoder's own token
    embeddings at each position (weight tying, as in language models): a word's one vector is
    both what the encoder reads and what the decoder aims at, so a rare word is reconstructed as
    well as a common one once the map between the two is learned."""

    def __init__(
        self, embed: nn.Embedding, length: int, hidden: tuple[int, ...], latent: int,
        cond_dim: int,
    ) -> None:  # fmt: skip
        super().__init__()
        vocab, embedding = embed.weight.shape
        layers: list[nn.Module] = []
        sizes = [latent + cond_dim, *reversed(hidden)]
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.GELU()]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], length * embedding))
        self.bias = nn.Parameter(torch.zeros(vocab))
        self._tied = [embed]  # a list: the encoder owns (and saves) the embedding
        self.length, self.vocab, self.embedding = length, vocab, embedding

    def forward(
        self, z: torch.Tensor, c: torch.Tensor | None, x: torch.Tensor | None = None
    ) -> torch.Tensor:
        if c is not None:
            c = c.expand(*z.shape[:-1], c.shape[-1]) if z.dim() > c.dim() else c
            z = torch.cat([z, c], dim=-1)
        h = self.net(z).view(*z.shape[:-1], self.length, self.embedding)
        return F.linear(h, self._tied[0].weight, self.bias)

    @torch.no_grad()
    def generate(
        self, z: torch.Tensor, c: torch.Tensor | None, method: str = "greedy",
        temperature: float = 1.0, beam: int = 5,
    ) -> torch.Tensor:  # fmt: skip
        logits = self.forward(z, c)
        if method == "sample":
            probs = F.softmax(logits / max(temperature, 1e-6), -1)
            return torch.multinomial(probs.view(-1, self.vocab), 1).view(logits.shape[:-1])
        return logits.argmax(-1)


class LanguageModel(nn.Module):
    """A plain GRU language model: the sentence VAE's decoder with z fixed at 0 (a learned first
    state tanh(b)), so that it has the decoder's size and nothing else."""

    def __init__(self, vocab: int, embedding: int, hidden: int, length: int) -> None:
        super().__init__()
        self.decoder = GRUDecoder(vocab, embedding, hidden, 1, 0, length, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = torch.zeros(x.shape[0], 1, device=x.device)
        return self.decoder(z, None, x)

    def generate(self, n: int, method: str = "sample", temperature: float = 1.0) -> torch.Tensor:
        z = torch.zeros(n, 1, device=self.decoder.init.weight.device)
        return self.decoder.generate(z, None, method, temperature)


def build_text_networks(
    architecture: str, length: int, vocab: int, embedding: int, hidden: tuple[int, ...],
    latent: int, cond_dim: int, token_dropout: float,
) -> tuple[nn.Module, nn.Module, int]:  # fmt: skip
    """Encoder, decoder and the encoder's feature size of a text architecture."""
    if architecture == "gru":
        encoder = GRUEncoder(vocab, embedding, hidden[0], cond_dim)
        decoder = GRUDecoder(vocab, embedding, hidden[0], latent, cond_dim, length, token_dropout)
        return encoder, decoder, encoder.out_dim
    encoder = ChunkEncoder(vocab, embedding, length, hidden, cond_dim, token_dropout)
    decoder = ChunkDecoder(encoder.embed, length, hidden, latent, cond_dim)
    return encoder, decoder, encoder.out_dim
