"""``python -m hardware_sim.devices``: the simulated field devices as their own process."""

from hardware_sim.devices.launcher import main

raise SystemExit(main())
