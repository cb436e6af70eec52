"""How fast the lab's sound is: a decoded clip made audible, and notes made against training.

    python benchmarks/audio_speed.py [--rounds 5] [--model assets/models/notes-beta1]

One thread throughout (``torch.set_num_threads(1)``), as a busy server gives a
page. Measured, with the 1-minute load average beside each figure:

- ``decode_to_wav_s``: one slider position made audible: the decoder's picture
  of one code, the mel inversion, 32 Griffin-Lim iterations and the WAV bytes
  (the median of ``rounds`` clips; target ≤ 0.3 s).
- ``sequence_of_9_s``: a traversal row of 9 codes as one WAV.
- ``notes_made_per_s`` against ``trained_per_s``: notes rendered (audio and
  spectrogram) per second, in batches of 64 as training asks for them, and
  notes trained on per second by the conv VAE's training step at batch 64;
  their ratio says whether making the data on demand keeps up. Each note is
  made once per process and kept, so only the first epoch pays for it.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load() -> float:
    return round(os.getloadavg()[0], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default=str(ROOT / "assets" / "models" / "notes-beta1"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    from vae.data import notes
    from vae.modalities.audio import Audio
    from vae.model.autoencoder import VAE

    model = VAE.load(args.model)
    model.eval()
    seam = Audio()
    d = model.config.latent_dim
    out: dict = {"threads": 1, "model": Path(args.model).name}

    times, loads = [], []
    for i in range(args.rounds):
        z = torch.randn(1, d, generator=torch.Generator().manual_seed(i))
        start = time.perf_counter()
        with torch.no_grad():
            picture = model.decode(z)
        seam.sound(picture)
        times.append(time.perf_counter() - start)
        loads.append(load())
    out["decode_to_wav_s"] = round(statistics.median(times), 4)
    out["decode_to_wav_all_s"] = [round(t, 4) for t in times]
    out["load_1min_decode"] = loads

    z = torch.randn(9, d, generator=torch.Generator().manual_seed(99))
    start = time.perf_counter()
    with torch.no_grad():
        seam.sequence(model.decode(z))
    out["sequence_of_9_s"] = round(time.perf_counter() - start, 4)

    rng = np.random.default_rng(0)
    factors = notes.NotesGroundTruth().sample_factors(256, rng)
    start = time.perf_counter()
    for begin in range(0, 256, 64):
        notes.render_notes(factors[begin : begin + 64])
    made = 256 / (time.perf_counter() - start)
    out["notes_made_per_s"], out["load_1min_made"] = round(made, 1), load()

    model.train()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = notes.render_notes(factors[:64])
    model(x).loss.backward()  # the first step pays for the allocator
    start, steps = time.perf_counter(), 8
    for _ in range(steps):
        optimiser.zero_grad()
        model(x).loss.backward()
        optimiser.step()
    trained = steps * 64 / (time.perf_counter() - start)
    out["trained_per_s"], out["load_1min_trained"] = round(trained, 1), load()
    out["made_over_trained"] = round(made / trained, 2)
    sys.stdout.write(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
