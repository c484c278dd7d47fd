"""Prometheus metrics of the running controller (prometheus_client), served on loopback only.

``curl -s http://127.0.0.1:9105/metrics`` in the cabinet (port: ``[service.metrics]``). Remote
monitoring reaches it through the VPN and an SSH tunnel, never directly: the address is
``127.0.0.1`` or ``::1`` by schema.

| metric | type | labels | meaning |
|---|---|---|---|
| ``thermiq_scan_cost_seconds`` | histogram | | work of one scan (read .. publish) [s] |
| ``thermiq_scan_period_deviation_seconds`` | gauge | | last scan start - previous start - period [s] |
| ``thermiq_scan_overruns_total`` | counter | | scans that missed their slot |
| ``thermiq_scans_total`` | counter | | completed scans |
| ``thermiq_trip_state`` | gauge | trip, state | 1 for the trip's current ISA-18.2 state, else 0 |
| ``thermiq_trip_transitions_total`` | counter | trip, state | transitions into each state |
| ``thermiq_io_running`` | gauge | | 1 while piControl runs and the image is read |
| ``thermiq_device_valid`` | gauge | device | 1 while the device's snapshot is valid |
| ``thermiq_device_age_seconds`` | gauge | device | age of its last good reading (NaN: never) [s] |
| ``thermiq_miner_power_target_watts`` | gauge | miner | power the controller requests (0: paused) [W] |
| ``thermiq_miner_power_watts`` | gauge | miner | power the miner reports (NaN: invalid) [W] |
| ``thermiq_mqtt_connected`` | gauge | | 1 while the broker connection is up |

Updated in the publish phase of every scan by :meth:`ScanMetrics.observe` (a few label look-ups,
no allocation that grows); the HTTP server runs on its own thread.
"""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from thermiq.interlocks.alarm import AlarmState

COST_BUCKETS_S = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
NAN = float("nan")


class ScanMetrics:
    """The metric families of one controller, in their own registry.

    Parameters
    ----------
    period_s : configured scan period [s]
    registry : where to register (default: a new :class:`CollectorRegistry`)
    """

    def __init__(self, period_s: float, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.period_s = period_s
        self.cost = Histogram("thermiq_scan_cost_seconds", "work of one scan", buckets=COST_BUCKETS_S, registry=r)
        self.deviation = Gauge("thermiq_scan_period_deviation_seconds", "scan start interval - period", registry=r)
        self.overruns = Counter("thermiq_scan_overruns", "scans that missed their slot", registry=r)
        self.scans = Counter("thermiq_scans", "completed scans", registry=r)
        self.trip_state = Gauge(
            "thermiq_trip_state", "1 for the current alarm state of the trip", ["trip", "state"], registry=r
        )
        self.trip_transitions = Counter(
            "thermiq_trip_transitions", "trip transitions into a state", ["trip", "state"], registry=r
        )
        self.io_running = Gauge("thermiq_io_running", "piControl running and image read", registry=r)
        self.device_valid = Gauge("thermiq_device_valid", "device snapshot valid", ["device"], registry=r)
        self.device_age = Gauge("thermiq_device_age_seconds", "age of the last good reading", ["device"], registry=r)
        self.miner_target = Gauge(
            "thermiq_miner_power_target_watts", "requested power (0 = paused)", ["miner"], registry=r
        )
        self.miner_power = Gauge("thermiq_miner_power_watts", "measured power", ["miner"], registry=r)
        self.mqtt_connected = Gauge("thermiq_mqtt_connected", "broker connection up", registry=r)
        self._states: dict[str, AlarmState] = {}  # trip id -> state shown (the site's trip table, first scan)
        self._last_now_s: float | None = None
        self._overruns_seen = 0
        self.server = None

    def serve(self, address: str, port: int) -> int:
        """Start the HTTP endpoint on ``address:port`` (loopback); returns the bound port.

        Raises
        ------
        OSError : the port is taken or the address is not local.
        """
        self.server, _thread = start_http_server(port, addr=address, registry=self.registry)
        return self.server.server_port

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _device(self, name: str, stamp_s: float | None, valid: bool, now_s: float) -> None:
        self.device_valid.labels(name).set(1.0 if valid else 0.0)
        self.device_age.labels(name).set(NAN if stamp_s is None else max(0.0, now_s - stamp_s))

    def observe(self, runner, img, res, cost_s: float) -> None:
        """Runner observer: record one completed scan (``img`` frozen image, ``res`` ScanResult)."""
        self.cost.observe(cost_s)
        self.scans.inc()
        if self._last_now_s is not None:
            self.deviation.set(img.now_s - self._last_now_s - self.period_s)
        self._last_now_s = img.now_s
        over = runner.stats.overruns
        if over > self._overruns_seen:
            self.overruns.inc(over - self._overruns_seen)
            self._overruns_seen = over
        if not self._states:  # first scan: every trip of the site's table, normal
            for tid in (row.spec.id for row in runner.core.table):
                for st in AlarmState:
                    self.trip_state.labels(tid, st.value).set(1.0 if st is AlarmState.NORMAL else 0.0)
                self._states[tid] = AlarmState.NORMAL
        for tid, t in res.state.interlocks.trips.items():
            old = self._states.get(tid)
            if old is None:  # a trip seen for the first time: every state of it gets a series
                for s in AlarmState:
                    self.trip_state.labels(tid, s.value).set(0.0)
            if old is not t.alarm:
                if old is not None:
                    self.trip_state.labels(tid, old.value).set(0.0)
                self.trip_state.labels(tid, t.alarm.value).set(1.0)
                self.trip_transitions.labels(tid, t.alarm.value).inc()
                self._states[tid] = t.alarm
        self.io_running.set(1.0 if getattr(runner.image, "io_running", True) else 0.0)
        inv = img.inverter
        self._device("inverter", inv.stamp_s, inv.pv_power_w is not None or inv.grid_power_w is not None, img.now_s)
        for name, met in img.meters.items():
            self._device(f"meter:{name}", met.stamp_s, met.power_w is not None, img.now_s)
        for name, snap in img.miners.items():
            self._device(f"miner:{name}", snap.stamp_s, snap.reachable, img.now_s)
            self.miner_power.labels(name).set(NAN if snap.power_w is None else snap.power_w)
        for name, cmd in res.outputs.miners.items():
            target = cmd.power_target_w if cmd.run and cmd.power_target_w is not None else 0.0
            self.miner_target.labels(name).set(target if math.isfinite(target) else NAN)
        bridge = runner.bridge
        self.mqtt_connected.set(1.0 if bridge is not None and bridge.connected else 0.0)
