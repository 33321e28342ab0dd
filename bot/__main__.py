"""`python -m bot ...`: see bot/channels/cli.py."""

import sys

from bot.channels.cli import main

sys.exit(main())
