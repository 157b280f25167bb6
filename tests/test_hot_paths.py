"""The shortcuts of the hot path answer exactly what the general forms answer.

A HoldCall round trip takes them every time (``docs/performance.md``): the hold history's
``opened``/``closed`` (no interval object built) against ``add``/``replace_newest``, on the
plain history and on the Redis store's lazily read one; the construction's one-call
check for text parameters against :meth:`~callstate.domain.WireField.given`; and the adapter's
one-step reading of a plain text parameter against the checks it skips.
"""

from __future__ import annotations

from conftest import AGENT, CUSTOMER, INSTANCE, NUMBER, START, Agent
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from callstate import Engine, ManualClock
from callstate.api import parse_request
from callstate.api._params import _string
from callstate.domain import (
    CCCError,
    Event,
    EventType,
    HoldCall,
    HoldInterval,
    Holds,
    ParameterBlank,
    wire_fields,
)
from callstate.domain._wire import all_texts_given
from callstate.engine._redis_jobs import StoredHolds

# (start, end or None, music, by) of the intervals before the newest, then the newest's
_INTERVAL = st.tuples(st.integers(0, 10**13), st.integers(0, 10**6), st.text(max_size=3),
                      st.text(max_size=3))  # fmt: skip


def _histories(closed: list[HoldInterval]) -> list[Holds]:
    """The same intervals as a plain history and as a stored one (older ones in the list)."""
    stored = StoredHolds(max(len(closed) - 1, 0), lambda: closed[:-1], tuple(closed[-1:]))
    return [Holds.of(closed), stored]


@settings(max_examples=60, deadline=None)
@for_all(st.lists(_INTERVAL, max_size=4), _INTERVAL)
def test_opening_and_closing_a_hold_is_adding_and_replacing_the_newest(
    older: list[tuple[int, int, str, str]], newest: tuple[int, int, str, str]
) -> None:
    closed = [HoldInterval(s, s + d, m, by) for s, d, m, by in older]
    start, duration, music, by = newest
    for holds in _histories(closed):
        opened = holds.opened(start, music, by)
        assert opened == holds.add(HoldInterval(start, None, music, by))
        assert len(opened) == len(closed) + 1
        ended = opened.closed(start + duration)
        assert ended == opened.replace_newest(HoldInterval(start, start + duration, music, by))
        assert list(ended) == [*closed, HoldInterval(start, start + duration, music, by)]


_VALUES = st.one_of(st.text(alphabet=" \t\nab\u3000", max_size=3), st.none(), st.just(()))


@settings(max_examples=200, deadline=None)
@for_all(st.lists(_VALUES, min_size=1, max_size=5))
def test_all_texts_given_only_when_every_required_field_takes_its_value(
    values: list[object],
) -> None:
    required = wire_fields(HoldCall)[0]  # InstanceId: required text
    assert required.required
    verdicts = []
    for value in values:
        try:
            verdicts.append(required.given(value))
        except ParameterBlank:
            verdicts.append(False)
    assert all_texts_given(tuple(values)) == (
        all(verdicts) and all(isinstance(v, str) for v in values)
    )


_PARAMETER = st.one_of(
    st.text(alphabet=" \t\nab\u3000\u00e9\ud800", max_size=3), st.none(), st.integers()
)


@settings(max_examples=200, deadline=None)
@for_all(_PARAMETER, _PARAMETER)
def test_reading_a_text_parameter_in_one_step_is_the_general_checks(
    channel: object, music: object
) -> None:
    """A required and an optional text parameter, read as the field's checks would read them."""
    fields = {f.wire: f for f in wire_fields(HoldCall)}
    params = {"InstanceId": "i", "JobId": "j", "ChannelId": channel, "DeviceId": "d",
              "UserId": "u", "Music": music}  # fmt: skip
    expected: dict[str, object] = {}
    try:
        for wire in ("ChannelId", "Music"):
            if fields[wire].given(params[wire]):
                expected[wire] = _string(wire, params[wire])
    except CCCError as refused:
        expected = {"refused": (refused.code, refused.params)}
    try:
        held = parse_request(HoldCall, params)
        read: dict[str, object] = {"ChannelId": held.channel_id}
        if held.music:
            read["Music"] = held.music
    except CCCError as refused:
        read = {"refused": (refused.code, refused.params)}
    assert read == expected


def test_a_call_event_carries_its_call_and_leg(
    engine: Engine, agent: Agent, clock: ManualClock, events: list[Event]
) -> None:
    """Every field of a call event (built by position on the hot path) from the right source."""
    agent.sign_in()
    call = agent.dial()
    clock.advance(2_000)
    engine.tick()  # the simulated far end answers
    del events[:]
    agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    view = engine.view(INSTANCE)
    assert view is not None
    job = view.jobs[call.job]
    (held,) = events
    assert held == Event(EventType.Held, START + 2_000, INSTANCE, held.seq, AGENT, (), call.job,
                         call.customer_leg, "OUTBOUND", NUMBER, CUSTOMER, None, ())  # fmt: skip
    assert (held.seq, job.call_type.value, job.caller, job.callee) == (
        view.seq,
        "OUTBOUND",
        NUMBER,
        CUSTOMER,
    )
