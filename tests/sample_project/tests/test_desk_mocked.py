"""The desk inside ``callstate.mock_ccc()``: the SDK talks to an in-process engine, no server."""

from __future__ import annotations

import pytest
from alibabacloud_ccc20200701.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from desk import Desk

import callstate


def desk() -> Desk:
    config = Config(
        access_key_id="ak",
        access_key_secret="secret",
        region_id="cn-shanghai",
        endpoint="ccc.cn-shanghai.aliyuncs.com",  # never reached inside the mock
    )
    return Desk(Client(config), "ccc-test", "user-test@ccc-test", "dev-1")


@callstate.mock_ccc()
def test_hold_and_retrieve() -> None:
    agent = desk()
    assert agent.sign_in("skill-group@ccc-test") == "READY"
    agent.dial("13900000000")
    assert agent.hold() == "TALKING"
    with pytest.raises(ClientException) as refused:
        agent.hold()
    assert refused.value.code == "InvalidOperation.ChannelState"
    assert agent.retrieve() == "TALKING"
    assert agent.hang_up() in {"WORKING", "READY"}


def test_the_customer_answers_when_time_passes() -> None:
    with callstate.mock_ccc() as ccc:
        agent = desk()
        agent.sign_in("skill-group@ccc-test")
        agent.dial("13188888888")  # answers after 1075 ms
        assert agent.state() == "DIALING"
        ccc.network.advance(2000)
        assert agent.state() == "TALKING"
