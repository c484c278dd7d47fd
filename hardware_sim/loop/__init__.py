"""The one closed-loop path between the plant model and the controller's I/O.

``binding``: which site-configuration signal each plant reading and actuator is (built once
from the site's instances, never from literal names). ``driver``: one step of the loop
(plant readings -> process-image inputs; outputs + miner commands -> actuators -> plant step
-> what the field devices report), used by ``thermiq sim``, ``thermiq-plant``, the
hardware-in-the-loop plant and the tests.
"""
