import sys

from hardware_sim.cli import main

sys.exit(main())
