"""What every modality says about its examples: the seam's one interface.

An *example* is one row of a data set's tensors (an image (C, H, W), a point
(d,), ...). A modality says:

- ``display``: how the app shows one ("picture", "numbers", "text", "audio");
  ``render`` turns a batch into what that display takes (uint8 pictures,
  strings, WAV bytes), one item per example;
- ``inputs``: how a person gives one ("draw", "upload", "numbers", "text",
  "microphone"), and ``upload_types`` the file extensions an upload takes;
- ``corruptions``: the corruptions Denoise offers (name → label), and
  ``corrupt`` applies one, returning the observed batch and the mask of what is
  unknown; an empty dict means the modality offers none;
- ``hover``: a short text per example for a point of the map (or None where the
  selection's gallery shows it better than a tooltip can);
- ``distance``: what "nearest" means between two batches of examples;
- ``bind``: the modality for one model (text needs the model's vocabulary).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch


class Modality:
    name: ClassVar[str] = ""
    kinds: ClassVar[tuple[str, ...]] = ()  # the data kinds (``Dataset.kind``) it serves
    noun: ClassVar[str] = "example"
    plural: ClassVar[str] = "examples"
    display: ClassVar[str] = "numbers"
    inputs: ClassVar[tuple[str, ...]] = ()
    upload_types: ClassVar[tuple[str, ...]] = ()
    corruptions: ClassVar[dict[str, str]] = {}

    def bind(self, directory: Any) -> Modality:
        """This modality for the model in ``directory`` (text reads its vocabulary there)."""
        return self

    def render(self, x: torch.Tensor | np.ndarray, target: int = 96) -> list[Any]:
        """One displayable item per example of the batch ``x``."""
        raise NotImplementedError

    def corrupt(
        self, x: torch.Tensor, kind: str, amount: float, seed: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x_obs, missing)`` for the batch ``x``; ``missing`` is True where a value is unknown."""
        raise NotImplementedError(f"{self.plural} offer no corruption")

    def read_upload(self, data: bytes, name: str, input_shape: tuple[int, ...]) -> torch.Tensor:
        """An uploaded file (one of ``upload_types``) as one example at the model's shape."""
        raise NotImplementedError(f"{self.plural} cannot be uploaded")

    def hover(self, x: torch.Tensor | np.ndarray) -> list[str] | None:
        return None

    def distance(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """(len(a), len(b)) distances in data space: Euclidean over all values by default."""
        return torch.cdist(a.flatten(1).float(), b.flatten(1).float())

    @property
    def can_corrupt(self) -> bool:
        return bool(self.corruptions)

    @property
    def shows_pictures(self) -> bool:
        return self.display == "picture"
