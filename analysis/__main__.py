"""``python -m analysis FILE --question TEXT [...]`` — same as ``untact analyze``."""

import sys

from .cli import main

sys.exit(main())
