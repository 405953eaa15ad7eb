import sys

from promptlight.cli import main

sys.exit(main())
