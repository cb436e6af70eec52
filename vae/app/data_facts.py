"""What the Train page shows of a data set before loading it: its facts and the form's defaults.

Loading a data set needs torch, and importing torch takes 1.1 s on a quiet core (2–3 s beside
a browser drawing Home): the Train page's first visit on a fresh server waited for it, only
to print "1437 training and 360 test examples of 1×8×8" and fill its form (issue 28). The
built-in sets' facts at their own size are precomputed into ``assets/datasets.json`` by
``python -m vae.app.data_facts --write``, and a test checks every entry against the loaded
data set, so the page is drawn without torch. A set whose files are not bundled (MNIST,
dSprites), an upload or another image size is loaded as before.

Neither torch nor Streamlit is imported here until a data set is loaded.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from typing import Any

from vae.paths import ASSETS

MANIFEST = ASSETS / "datasets.json"


@dataclass(frozen=True)
class DataFacts:
    """A data set as the Train page describes it; the attribute names are ``Dataset``'s."""

    name: str
    kind: str  # "image", "points", "tabular", "text" or "audio"
    input_shape: tuple[int, ...]
    has_labels: bool
    n_classes: int | None
    n_train: int
    n_test: int
    vocabulary_size: int | None = None
    tokenisation: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)  # the form's starting values

    @property
    def is_image(self) -> bool:
        return self.kind in ("image", "audio")  # a spectrogram is sized as a picture

    @property
    def native_size(self) -> int | None:
        """The side of a square image data set, where the image-size box starts; else None."""
        if not self.is_image:
            return None
        height, width = self.input_shape[-2:]
        return int(height) if height == width else None


def of(name: str, data: Any, with_defaults: bool = True) -> DataFacts:
    """The facts of a loaded data set (a ``vae.data.Dataset``), with the form's defaults
    unless ``with_defaults`` is false (a resized set: the form keeps its own size's)."""
    vocabulary = data.vocabulary
    facts = DataFacts(
        name=name, kind=data.kind, input_shape=tuple(int(s) for s in data.input_shape),
        has_labels=bool(data.has_labels),
        n_classes=None if data.n_classes is None else int(data.n_classes),
        n_train=len(data.train), n_test=len(data.test),
        vocabulary_size=None if vocabulary is None else len(vocabulary),
        tokenisation=None if vocabulary is None else vocabulary.tokenisation,
    )  # fmt: skip
    if not with_defaults:
        return facts
    from vae.jobs import arguments

    defaults = {**arguments.form_defaults(name, data), "image_size": facts.native_size}
    return replace(facts, defaults=defaults)


@cache
def _manifest() -> dict[str, Any]:
    try:
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no manifest: every data set is loaded, as before
        return {"descriptions": {}, "facts": {}}


def descriptions() -> dict[str, str]:
    """Every built-in data set's name and description, in the registry's order (from the
    manifest; without one, from the registry itself, which imports torch)."""
    found = _manifest()["descriptions"]
    if found:
        return dict(found)
    from vae.data import BUILTIN_DATASETS

    return dict(BUILTIN_DATASETS)


def stored(name: str) -> DataFacts | None:
    """A built-in data set's facts at its own size, as precomputed; None when not there."""
    entry = _manifest()["facts"].get(name)
    if entry is None:
        return None
    return DataFacts(**{**entry, "input_shape": tuple(entry["input_shape"])})


def build() -> dict[str, Any]:
    """The manifest: every built-in's description, and the facts of those that load here."""
    from vae.data import BUILTIN_DATASETS, load_dataset
    from vae.errors import DataError

    facts = {}
    for name in BUILTIN_DATASETS:
        try:
            data = load_dataset(name)
        except DataError:  # its files are the user's to fetch (--data-dir): loaded when chosen
            continue
        facts[name] = asdict(of(name, data))
    # One JSON round trip: what a test compares is what the page reads.
    return json.loads(json.dumps({"descriptions": dict(BUILTIN_DATASETS), "facts": facts}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {MANIFEST}")
    args = parser.parse_args(argv)
    text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
    if args.write:
        MANIFEST.write_text(text, encoding="utf-8")
        print(f"wrote {MANIFEST}")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
