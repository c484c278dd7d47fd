"""The Deye hybrid inverter over Modbus RTU through the ``sunsynk`` library."""
