import sys

from thermiq.cli import main

sys.exit(main())
