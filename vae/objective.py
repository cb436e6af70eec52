"""Old home of the objective, kept so ``from vae.objective import ...`` still works.

The objectives live in ``vae.objectives`` (one file per variant); the
likelihood in ``vae.distributions``.
"""

from vae.distributions import log_likelihood
from vae.objectives.base import ELBOTerms
from vae.objectives.schedules import beta_schedule
from vae.objectives.vae import free_bits_kl

__all__ = ["ELBOTerms", "beta_schedule", "free_bits_kl", "log_likelihood"]
