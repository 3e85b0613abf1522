"""``python -m ccauth doctor [--help] …``: fetch one token and explain what
happened (the core writes the report; flags, ``CCAUTH_*`` variables, a JSON
config file). Exit code 0 when a token came back, 1 when not, 2 for bad options."""

from ._doctor import run

run()
