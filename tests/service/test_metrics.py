"""The metrics endpoint answers on loopback with the scan histogram while ``thermiq run`` scans."""

from __future__ import annotations

import re
import urllib.request

from tests.service.conftest import Daemon, Plant, bench_site, free_port, wait_for


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
        return r.read().decode()


def sample(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, f"{name} missing"
    return float(m.group(1))


def test_metrics_endpoint_serves_the_scan_histogram_while_scanning(tmp_path, image_file, io_list):
    port = free_port()
    site = bench_site(tmp_path, period_s=0.05, metrics_port=port)
    plant = Plant(io_list, image_file)
    plant.write()
    d = Daemon(
        tmp_path,
        ["--config", str(site), "--field", "fake", "--procimg", str(image_file), "--run-dir", str(tmp_path / "run")],
    )
    try:

        def up():
            try:
                return scrape(port)
            except OSError:
                return None

        first = wait_for(up, 20, "the metrics endpoint")
        wait_for(lambda: sample(scrape(port), "thermiq_scan_cost_seconds_count") >= 10, 10, "10 scans")
        text = scrape(port)
    finally:
        d.stop()
        plant.close()
    n = sample(text, "thermiq_scan_cost_seconds_count")
    assert n >= 10 and "# TYPE thermiq_scan_cost_seconds histogram" in first
    assert sample(text, 'thermiq_scan_cost_seconds_bucket{le="+Inf"}') == n
    assert sample(text, "thermiq_scan_cost_seconds_sum") > 0.0
    assert sample(text, "thermiq_scans_total") >= n - 1
    assert sample(text, "thermiq_io_running") == 1.0
    assert sample(text, "thermiq_mqtt_connected") == 0.0  # no broker on a fake bench run
    assert sample(text, 'thermiq_trip_state{state="normal",trip="I5_buffer_top_hh"}') in (0.0, 1.0)
    assert 'thermiq_miner_power_target_watts{miner="m1"}' in text
    assert 'thermiq_device_age_seconds{device="miner:m1"}' in text
    assert "thermiq_scan_period_deviation_seconds" in text and "thermiq_scan_overruns_total" in text
    started = [e for e in d.journal() if e["event"] == "metrics_serving"]
    assert started and started[0]["address"] == "127.0.0.1" and started[0]["port"] == port
