"""CI run of the safety state machine: at least 2000 random histories through the real core."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from .fuzz_machine import SafetyMachine

EXAMPLES = int(os.environ.get("THERMIQ_FUZZ_EXAMPLES", "2000"))


@pytest.mark.timeout(600)
def test_safety_state_machine():
    SafetyMachine.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    SafetyMachine.TestCase().runTest()
