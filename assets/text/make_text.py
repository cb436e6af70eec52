"""Build the lab's two offline text corpora from WordNet 3.0 (Princeton; WordNet 3.0 licence).

    python assets/text/make_text.py [WORDNET_DIR]

WORDNET_DIR holds WordNet's ``data.noun``, ``data.verb``, ``data.adj`` and
``data.adv`` (Debian's ``wordnet-base`` installs them in /usr/share/wordnet, the
default; ``apt-get download wordnet-base && dpkg-deb -x wordnet-base_*.deb x``
gets them without root, in ``x/usr/share/wordnet``). Writes, beside this script:

- ``sentences.tsv.gz``: every unique quoted example phrase of the glosses (the
  text after ``|``, its double-quoted parts), one per line as
  ``part-of-speech<TAB>phrase``, in WordNet's file order (48,224 phrases);
- ``words.tsv.gz``: every single-word lemma of letters a-z only, lower-cased,
  with the part of speech of its first synset, in the same form.

gzip with mtime 0, so the same WordNet gives byte-identical files.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("noun", "verb", "adj", "adv")


def _lines(folder: Path, pos: str):
    with open(folder / f"data.{pos}", encoding="latin-1") as handle:
        for line in handle:
            if not line.startswith("  "):  # the licence header lines start with two spaces
                yield line


def examples(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for pos in PARTS:
        for line in _lines(folder, pos):
            if "|" in line:
                for phrase in re.findall(r'"([^"]+)"', line.split("|", 1)[1]):
                    phrase = " ".join(phrase.split())
                    if phrase and "\t" not in phrase:
                        found.setdefault(phrase, pos)
    return found


def lemmas(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for pos in PARTS:
        for line in _lines(folder, pos):
            fields = line.split()
            n_words = int(fields[3], 16)
            for i in range(n_words):
                word = fields[4 + 2 * i].lower()
                word = re.sub(r"\(.*\)$", "", word)  # adjective markers such as (a), (p)
                if re.fullmatch(r"[a-z]+", word):
                    found.setdefault(word, pos)
    return found


def _write(path: Path, rows: dict[str, str]) -> None:
    text = "".join(f"{pos}\t{item}\n" for item, pos in rows.items()).encode()
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text)
    print(f"{path.name}: {len(rows)} rows, {path.stat().st_size} bytes")


def main(folder: str = "/usr/share/wordnet") -> None:
    source = Path(folder)
    if not (source / "data.noun").is_file():
        sys.exit(
            f"error: {source} has no WordNet data.noun; install wordnet-base or pass its folder."
        )
    _write(HERE / "sentences.tsv.gz", examples(source))
    _write(HERE / "words.tsv.gz", lemmas(source))


if __name__ == "__main__":
    main(*sys.argv[1:])
