"""Entry point: ``python -m snakepit_bridge --adapter ... --socket ... ...``.

See ``snakepit_bridge.cli`` for the flags and exit codes.
"""

import os
import sys

from snakepit_bridge.cli import main

if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave at once: tool calls still running past the grace period are
    # abandoned instead of holding the exit (thread pools join at exit).
    os._exit(code)
