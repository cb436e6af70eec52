"""Encoder and decoder networks, sized from the data shape.

The encoder maps x (and a one-hot label, for a conditional model) to a feature
vector; the model's heads turn it into the posterior's parameters. The decoder
maps z (and the label) to the parameters of p(x|z) with the data's shape.

- MLP: flatten → hidden layers → features; any input shape.
- Conv: the disentanglement_lib architecture (Locatello et al. 2019) generalised:
  4×4 stride-2 convolutions halve the image until it is at most 4×4 (64×64 → 4×4
  with four layers), then a 256-unit dense layer. The decoder mirrors it with
  transposed convolutions whose output padding reproduces every intermediate
  size exactly, so odd sizes such as 28×28 (→ 14 → 7 → 3) come back whole.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers)


def conv_sizes(height: int, width: int, n_max: int) -> list[tuple[int, int]]:
    """Spatial sizes after each stride-2 convolution, stopping at 4 or below (or at n_max layers)."""
    sizes = [(height, width)]
    while len(sizes) - 1 < n_max and max(sizes[-1]) > 4:
        h, w = sizes[-1]
        sizes.append((max(h // 2, 1), max(w // 2, 1)))
    return sizes


class MLPEncoder(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], hidden_dims: tuple[int, ...], cond_dim: int):
        super().__init__()
        n_in = math.prod(input_shape)
        self.net = _mlp([n_in + cond_dim, *hidden_dims])
        self.out_dim = hidden_dims[-1]

    def forward(self, x: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        h = x.flatten(1)
        if c is not None:
            h = torch.cat([h, c], dim=1)
        return self.net(h)


class MLPDecoder(nn.Module):
    def __init__(
        self,
        input_shape: tuple[int, ...],
        hidden_dims: tuple[int, ...],
        latent_dim: int,
        cond_dim: int,
    ):
        super().__init__()
        self.input_shape = input_shape
        sizes = [latent_dim + cond_dim, *reversed(hidden_dims)]
        self.net = nn.Sequential(_mlp(sizes), nn.Linear(sizes[-1], math.prod(input_shape)))

    def forward(self, z: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        if c is not None:
            z = torch.cat([z, c], dim=-1)
        out = self.net(z)
        return out.view(*z.shape[:-1], *self.input_shape)


class ConvEncoder(nn.Module):
    def __init__(
        self,
        input_shape: tuple[int, ...],
        channels: tuple[int, ...],
        cond_dim: int,
        dense: int = 256,
    ):
        super().__init__()
        c_in, h, w = input_shape
        self.sizes = conv_sizes(h, w, len(channels))
        n_layers = len(self.sizes) - 1
        chans = [c_in, *channels[:n_layers]]
        layers: list[nn.Module] = []
        for a, b in zip(chans[:-1], chans[1:], strict=True):
            layers += [nn.Conv2d(a, b, 4, stride=2, padding=1), nn.ReLU()]
        self.conv = nn.Sequential(*layers)
        fh, fw = self.sizes[-1]
        self.flat_dim = chans[-1] * fh * fw
        self.fc = nn.Sequential(nn.Linear(self.flat_dim + cond_dim, dense), nn.ReLU())
        self.out_dim = dense
        self.channels = chans

    def forward(self, x: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        h = self.conv(x).flatten(1)
        if c is not None:
            h = torch.cat([h, c], dim=1)
        return self.fc(h)


class ConvDecoder(nn.Module):
    def __init__(self, encoder: ConvEncoder, latent_dim: int, cond_dim: int, dense: int = 256):
        super().__init__()
        self.sizes = encoder.sizes
        chans = encoder.channels
        fh, fw = self.sizes[-1]
        self.start_shape = (chans[-1], fh, fw)
        self.fc = nn.Sequential(
            nn.Linear(latent_dim + cond_dim, dense),
            nn.ReLU(),
            nn.Linear(dense, encoder.flat_dim),
            nn.ReLU(),
        )
        layers: list[nn.Module] = []
        n = len(chans) - 1
        for i in range(n, 0, -1):
            (h, w), (th, tw) = self.sizes[i], self.sizes[i - 1]
            # A 4/2/1 transposed conv gives 2h; output padding adds the odd pixel back.
            layers.append(
                nn.ConvTranspose2d(
                    chans[i],
                    chans[i - 1],
                    4,
                    stride=2,
                    padding=1,
                    output_padding=(th - 2 * h, tw - 2 * w),
                )
            )
            if i > 1:
                layers.append(nn.ReLU())
        self.deconv = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        if c is not None:
            z = torch.cat([z, c], dim=-1)
        lead = z.shape[:-1]
        h = self.fc(z.reshape(-1, z.shape[-1])).view(-1, *self.start_shape)
        if not torch.is_grad_enabled():
            # oneDNN's transposed convolutions run ~1.7× faster on channels-last input when
            # decoding without gradients (IWAE, grids, sliders); training sees no gain.
            h = h.contiguous(memory_format=torch.channels_last)
        out = self.deconv(h).contiguous()
        return out.view(*lead, *out.shape[1:])


def build_networks(
    architecture: str,
    input_shape: tuple[int, ...],
    latent_dim: int,
    hidden_dims: tuple[int, ...],
    conv_channels: tuple[int, ...],
    cond_dim: int,
) -> tuple[nn.Module, nn.Module, int]:
    """Encoder, decoder and the encoder's feature size for this architecture and data shape."""
    if architecture == "conv":
        encoder = ConvEncoder(input_shape, conv_channels, cond_dim)
        decoder = ConvDecoder(encoder, latent_dim, cond_dim)
    else:
        encoder = MLPEncoder(input_shape, hidden_dims, cond_dim)
        decoder = MLPDecoder(input_shape, hidden_dims, latent_dim, cond_dim)
    return encoder, decoder, encoder.out_dim
