"""ChangeVisibility: an agent becomes invisible to inbound calls (outbound only), or visible.

CCC documents invisible as the same as ``OutboundScenario``: an invisible agent is not offered
inbound calls. The agent table's guard row names the states that allow it (signed in, not in a
call: READY, BREAK, WORKING); the state does not change. An agent made visible while READY is
offered a waiting call by the same commit's distribution.
"""

from __future__ import annotations

from ._requests import Request
from ._states import AGENT
from ._step import Decider, Outcome, Step, decides
from ._workbench_commands import ChangeVisibility

__all__ = ["DECIDERS"]

#: The decider of each visibility action.
DECIDERS: dict[type[Request], Decider] = {}


@decides(DECIDERS, ChangeVisibility)
def _change_visibility(step: Step, c: ChangeVisibility) -> Outcome:
    user = step.user(step.instance(c.instance_id), c.user_id)
    AGENT.move(user, "ChangeVisibility", step.now)
    user.outbound_scenario = c.invisible
    return step.outcome(c, user, None)
