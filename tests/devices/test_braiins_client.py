"""The Braiins OS client against the simulated miner over real gRPC on 127.0.0.1."""

from __future__ import annotations

import time

import grpc
import pytest

from hardware_sim.devices.braiins_sim import BraiinsSim
from thermiq.adapters.braiins._pb import bos_v1_pb2 as pb
from thermiq.adapters.braiins.client import BraiinsClient, BraiinsError


@pytest.fixture
def sim():
    s = BraiinsSim(password="s3cret", ramp_w_per_s=1000.0).start()
    yield s
    s.stop()


@pytest.fixture
def client(sim):
    c = BraiinsClient(sim.target, "root", "s3cret", deadline_s=0.5)
    yield c
    c.close()


def test_login_returns_token_and_calls_carry_it(sim, client):
    token = client.login()
    assert len(token) == 16
    assert client.details().status == pb.MINER_STATUS_NORMAL
    assert sim.miner_state()["logins"] == 1


def test_first_call_logs_in_by_itself(sim, client):
    assert client.constraints().tuner_constraints.power_target.min.watt == 1700
    assert client.logins == 1


def test_expired_token_is_refreshed_once_and_the_call_repeated(sim, client):
    client.login()
    sim.expire_tokens()
    details = client.details()
    assert details.status == pb.MINER_STATUS_NORMAL
    assert client.logins == 2
    # the refused call and its repetition both reached the miner
    assert sim.miner_state()["calls"]["GetMinerDetails"] == 2


def test_token_times_out_after_inactivity_like_the_firmware():
    now = [0.0]
    s = BraiinsSim(token_timeout_s=3600.0, clock=lambda: now[0]).start()
    c = BraiinsClient(s.target, "root", "root", 0.5)
    try:
        c.login()
        now[0] = 3000.0
        c.details()  # activity slides the expiry to 6600 s
        now[0] = 6000.0
        c.details()
        assert c.logins == 1
        now[0] = 10000.0  # 4000 s idle: session gone, the client logs in again
        c.details()
        assert c.logins == 2
    finally:
        c.close()
        s.stop()


def test_bad_credentials_are_refused(sim):
    c = BraiinsClient(sim.target, "root", "wrong", 0.5)
    with pytest.raises(BraiinsError, match="Bad credentials") as err:
        c.details()
    assert err.value.code == grpc.StatusCode.UNAUTHENTICATED
    c.close()


def test_injected_bad_credentials_fault(sim, client):
    sim.set_fault("bad_credentials")
    with pytest.raises(BraiinsError, match="login failed: UNAUTHENTICATED"):
        client.login()


def test_empty_password_miner():
    s = BraiinsSim(password="").start()
    c = BraiinsClient(s.target, "root", "", 0.5)
    try:
        assert c.details().status == pb.MINER_STATUS_NORMAL
    finally:
        c.close()
        s.stop()


def test_power_target_inside_constraints_uses_save_and_apply(sim, client):
    assert client.set_power_target(2500) == 2500
    assert sim.miner_state()["power_target_w"] == 2500.0
    assert sim.save_actions == [pb.SAVE_ACTION_SAVE_AND_APPLY]
    tuner = client.tuner_state()
    assert tuner.power_target_mode_state.current_target.watt == 2500


def test_power_target_outside_constraints_is_refused_by_the_miner(sim, client):
    with pytest.raises(BraiinsError, match=r"INVALID_ARGUMENT power target \[9000W\] is not in allowed range") as err:
        client.set_power_target(9000)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert sim.miner_state()["power_target_w"] == 3250.0  # unchanged


def test_zero_watt_target_is_refused_locally(client, sim):
    with pytest.raises(ValueError, match="use pause"):
        client.set_power_target(0)
    assert "SetPowerTarget" not in sim.miner_state()["calls"]


def test_pause_and_resume_with_already_flags(sim, client):
    assert client.pause() is False
    assert client.pause() is True
    assert client.details().status == pb.MINER_STATUS_PAUSED
    assert client.resume() is False
    assert client.resume() is True
    assert client.details().status == pb.MINER_STATUS_NORMAL


def test_measured_power_ramps_and_can_be_overridden(sim, client):
    client.set_power_target(1800)
    time.sleep(0.01)
    state = sim.miner_state()
    assert state["power_target_w"] == 1800.0
    sim.set_measured_power(1234.0)
    assert client.stats().power_stats.approximated_consumption.watt == 1234
    sim.set_measured_power(None)
    client.pause()
    # paused: consumption goes towards the idle draw, never the (unchanged) target
    assert sim.miner_state()["measured_power_w"] < 1800.0


def test_unavailable_is_reported_with_its_code(sim, client):
    client.login()
    sim.set_fault("unavailable")
    with pytest.raises(BraiinsError) as err:
        client.stats()
    assert err.value.code == grpc.StatusCode.UNAVAILABLE


def test_hanging_miner_hits_the_deadline(sim, client):
    client.login()
    sim.set_fault("hang")
    t0 = time.monotonic()
    with pytest.raises(BraiinsError) as err:
        client.stats()
    elapsed = time.monotonic() - t0
    assert err.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert elapsed < 2.0  # bounded by the 0.5 s deadline, not by the miner
    sim.set_fault(None)


def test_server_down_is_unavailable_not_a_hang(sim, client):
    client.login()
    sim.stop()
    with pytest.raises(BraiinsError) as err:
        client.details()
    assert err.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def test_slow_miner_inside_the_deadline_answers_outside_it_times_out(sim, client):
    client.login()
    sim.set_fault("slow", delay_s=0.1)
    assert client.details().status == pb.MINER_STATUS_NORMAL  # 0.1 s < 0.5 s deadline
    sim.set_fault("slow", delay_s=1.0)
    with pytest.raises(BraiinsError) as err:
        client.details()
    assert err.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    sim.set_fault(None)


def test_unknown_fault_is_refused(sim):
    with pytest.raises(ValueError, match="unknown fault 'melt'"):
        sim.set_fault("melt")
    assert sim.miner_state()["fault"] is None
