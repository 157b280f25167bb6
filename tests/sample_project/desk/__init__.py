"""An "agent desk": the code a contact-centre developer writes on the official CCC SDK."""

from __future__ import annotations

from alibabacloud_ccc20200701 import models
from alibabacloud_ccc20200701.client import Client


class Desk:
    """One agent's desk: sign in, dial, hold and retrieve the customer, hang up."""

    def __init__(self, client: Client, instance: str, user: str, device: str) -> None:
        self.client = client
        self.who = {"instance_id": instance, "user_id": user, "device_id": device}
        self.job = ""
        self.customer = ""

    def sign_in(self, group: str) -> str:
        request = models.SignInGroupRequest(**self.who, signed_skill_group_id_list=f'["{group}"]')
        return str(self.client.sign_in_group(request).body.data.user_state)

    def dial(self, number: str, caller: str = "01012345678") -> str:
        request = models.MakeCallRequest(**self.who, caller=caller, callee=number)
        context = self.client.make_call(request).body.data.call_context
        self.job = context.job_id
        # a call to a colleague's extension has no customer (every leg is an agent's)
        legs = context.channel_contexts
        self.customer = next((c.channel_id for c in legs if not c.user_id), "")
        return str(self.job)

    def hold(self) -> str:
        request = models.HoldCallRequest(**self.who, job_id=self.job, channel_id=self.customer)
        return str(self.client.hold_call(request).body.data.user_context.user_state)

    def retrieve(self) -> str:
        request = models.RetrieveCallRequest(**self.who, job_id=self.job, channel_id=self.customer)
        return str(self.client.retrieve_call(request).body.data.user_context.user_state)

    def hang_up(self) -> str:
        request = models.ReleaseCallRequest(**self.who, job_id=self.job)
        return str(self.client.release_call(request).body.data.user_context.user_state)

    def state(self) -> str:
        return str(self._poll().user_context.user_state)

    def call(self) -> dict[str, str]:
        """The legs of the agent's call as the desk shows them: a held leg is HELD."""
        context = self._poll().call_context
        legs = (context.channel_contexts if context else None) or []
        return {
            leg.channel_id: "HELD" if "HOLD" in (leg.channel_flags or "") else leg.channel_state
            for leg in legs
        }

    def _poll(self) -> models.PollUserStatusResponseBodyData:
        polled = self.client.poll_user_status(models.PollUserStatusRequest(**self.who))
        return polled.body.data
