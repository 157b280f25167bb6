"""The desk against the emulator, through the plugin's fixtures."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from desk import Desk

from callstate.testing.plugin import Network

AGENT = {"instance": "ccc-test", "user": "user-test@ccc-test", "device": "dev-1"}


@pytest.fixture
def desk(ccc_client: Any) -> Desk:
    return Desk(ccc_client, **AGENT)


def test_hold_and_retrieve(desk: Desk) -> None:
    assert desk.sign_in("skill-group@ccc-test") == "READY"
    desk.dial("13900000000")  # the bundled world's customer who answers at once
    assert desk.hold() == "TALKING"
    with pytest.raises(ClientException) as refused:
        desk.hold()
    assert refused.value.code == "InvalidOperation.ChannelState"
    assert desk.retrieve() == "TALKING"


def test_each_test_starts_from_a_fresh_world(desk: Desk) -> None:
    assert desk.state() == "OFFLINE"


def test_the_customer_hangs_up(desk: Desk, ccc_network: Network) -> None:
    desk.sign_in("skill-group@ccc-test")
    desk.dial("13900000000")
    hung_up = ccc_network.signal("FarEndHungUp", JobId=desk.job, ChannelId=desk.customer)
    assert hung_up.ok, hung_up.body
    assert desk.state() != "TALKING"


def test_time_passes_only_when_told(desk: Desk, ccc_network: Network) -> None:
    desk.sign_in("skill-group@ccc-test")
    desk.dial("13188888888")  # answers 1075 ms after the call is made
    assert desk.state() == "DIALING"
    ccc_network.advance(2000)
    assert desk.state() == "TALKING"
