"""``python -m vae bench``: how fast this machine trains and renders."""
