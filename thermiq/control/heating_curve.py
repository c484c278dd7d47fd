"""Outdoor-temperature-compensated flow temperature (heating curve)."""

from __future__ import annotations


def flow_setpoint_c(
    outdoor_temp_c: float, room_setpoint_c: float, design_outdoor_c: float, design_flow_c: float, exponent: float
) -> float:
    """Flow temperature the emitters need at ``outdoor_temp_c``.

    Notes
    -----
    Emitter output scales with (T_mean - T_room)^n (EN 442 radiator characteristic) while the load
    scales with (T_room - T_out); solving for the flow temperature gives

        T_flow = T_room + (T_flow,design - T_room) * ((T_room - T_out) / (T_room - T_out,design))^(1/n)

    clipped to [T_room, T_flow,design + 5 K].

    Parameters
    ----------
    outdoor_temp_c, room_setpoint_c, design_outdoor_c, design_flow_c : float  [°C]
    exponent : float  radiator exponent n [-] (1.0 underfloor ... 1.3 radiators)

    Examples
    --------
    >>> round(flow_setpoint_c(-14.0, 21.0, -14.0, 45.0, 1.1), 1)
    45.0
    >>> flow_setpoint_c(25.0, 21.0, -14.0, 45.0, 1.1)
    21.0
    """
    load_frac = (room_setpoint_c - outdoor_temp_c) / (room_setpoint_c - design_outdoor_c)
    if load_frac <= 0.0:
        return room_setpoint_c
    flow_c = room_setpoint_c + (design_flow_c - room_setpoint_c) * load_frac ** (1.0 / exponent)
    return min(flow_c, design_flow_c + 5.0)
