"""The files a saved model is: its settings and its weights.

A run folder holds them beside its other files (``vae.runs.store``); a bundled
model in ``assets/models`` is these two plus what its pages precompute. Kept
apart from the model's code so that the run store reads them without torch.
"""

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
