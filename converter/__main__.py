"""`python -m converter` runs the ing2gw command line."""

from .cli import run

run()
