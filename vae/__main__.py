"""``python -m vae``: see ``vae.cli``."""

import sys

from vae.cli import main

sys.exit(main())
