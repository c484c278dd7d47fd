"""Raw AIO process-image values <-> engineering values, with sensor-fault detection.

Pure functions; the revpi adapter (controller side) decodes, the simulator encodes.

Sources
-------
- RTD channels: ``RTDValue_n`` is INT16 in 0.1 °C (Multiplier/Divisor/Offset 1/1/0 default);
  an open RTD reads 8500 (850.0 °C) with ``RTDStatus_n`` = 2 on a real AIO (captured idle
  image ``revpiday2019_proc.img``); any non-zero status is a sensor fault
  (KUNBUS "status signals in the process image of the RevPi AIO"; docs/SOURCES.md S-REVPI).
- Current inputs: ``InputValue_n`` in µA for the 4-20 mA range; ``InputStatus_n`` bit0 below,
  bit1 above range. NAMUR NE 43: valid 3.8-20.5 mA, <= 3.6 mA or >= 21 mA is a failure
  (docs/SOURCES.md S-ALARMS).
"""

from __future__ import annotations

RTD_OPEN_RAW = 8500  #: 850.0 °C: open sensor on the AIO [0.1 °C]
RTD_STATUS_OPEN = 2  #: RTDStatus seen with an open sensor
RTD_STATUS_SHORT = 1  #: under-range bit (expected for a short; not verified on hardware)
RTD_SHORT_RAW = -2000  #: far below -200 °C, what a shorted Pt1000 decodes to [0.1 °C]
NE43_LOW_UA = 3600  #: <= 3.6 mA is a failure (open loop) [µA]
NE43_HIGH_UA = 21000  #: >= 21 mA is a failure (short) [µA]
NE43_VALID_LOW_UA = 3800  #: valid signal from 3.8 mA (below 4 mA: clamped to range_lo)
NE43_VALID_HIGH_UA = 20500  #: valid signal up to 20.5 mA


def decode_rtd(raw: int, status: int, range_lo_c: float, range_hi_c: float) -> tuple[float | None, str | None]:
    """Decode an AIO RTD channel.

    Parameters
    ----------
    raw : int      RTDValue [0.1 °C]
    status : int   RTDStatus byte (0 = good)
    range_lo_c, range_hi_c : float   plausible range of the point [°C] (I/O list)

    Returns
    -------
    (value_c, fault) : value in °C or None, and None or one of "open", "short", "status", "range".
    """
    if raw >= RTD_OPEN_RAW or status == RTD_STATUS_OPEN:
        return None, "open"
    if status & RTD_STATUS_SHORT:
        return None, "short"
    if status:
        return None, "status"
    value_c = raw * 0.1
    if not range_lo_c <= value_c <= range_hi_c:
        return None, "range"
    return value_c, None


def decode_current(raw_ua: int, status: int, range_lo: float, range_hi: float) -> tuple[float | None, str | None]:
    """Decode a 4-20 mA transmitter on an AIO current input (NAMUR NE 43 fault limits).

    Parameters
    ----------
    raw_ua : int   InputValue [µA]
    status : int   InputStatus byte (bit0 below range, bit1 above)
    range_lo, range_hi : float   engineering value at 4 mA and at 20 mA

    Returns
    -------
    (value, fault) : value scaled linearly, or None with "open" (<= 3.6 mA), "short"
    (>= 21 mA), "range" (between the NE 43 fault and valid limits) or "status".
    """
    if raw_ua <= NE43_LOW_UA:
        return None, "open"
    if raw_ua >= NE43_HIGH_UA:
        return None, "short"
    if status & 0x03:
        return None, "status"
    if raw_ua < NE43_VALID_LOW_UA or raw_ua > NE43_VALID_HIGH_UA:
        return None, "range"
    clamped = min(max(raw_ua, 4000), 20000)
    return range_lo + (clamped - 4000) * (range_hi - range_lo) / 16000.0, None


def encode_rtd(value_c: float | None, fault: str | None = None) -> tuple[int, int]:
    """Raw (RTDValue, RTDStatus) an AIO shows for ``value_c``, or for an ``open``/``short`` sensor."""
    if fault == "open" or value_c is None:
        return RTD_OPEN_RAW, RTD_STATUS_OPEN
    if fault == "short":
        return RTD_SHORT_RAW, RTD_STATUS_SHORT
    return int(round(value_c * 10.0)), 0


def encode_current(value: float | None, range_lo: float, range_hi: float, fault: str | None = None) -> tuple[int, int]:
    """Raw (InputValue µA, InputStatus) of a 4-20 mA transmitter, or of an ``open``/``short`` loop."""
    if fault == "open" or value is None:
        return 0, 0x01
    if fault == "short":
        return 24000, 0x02
    frac = (value - range_lo) / (range_hi - range_lo)
    raw = int(round(4000 + 16000 * frac))
    return min(max(raw, NE43_VALID_LOW_UA), NE43_VALID_HIGH_UA), 0
