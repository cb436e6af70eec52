"""Trainings started from the app: their arguments, the queue, supervisors and standbys."""
