"""Training: the loop, checkpoints, the optimiser, devices, several processes, signals."""
