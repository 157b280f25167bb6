"""The one exception tree of callstate, and the error catalogue it is.

Every error callstate answers with is a class below. A class *is* its catalogue row: the CCC
``Code``, the HTTP status and the message template live on the class and nowhere else, and
``docs/errors.md`` is generated from :func:`catalogue`. A raised error carries the template's
fill values as :attr:`CCCError.params`, which is exactly the response's ``Params`` list.

::

    CallstateError
    ├── WorldError (also ValueError)      a world file that cannot be loaded
    ├── StoreSpecError (also ValueError)  a store spec naming no store (``callstate.engine``)
    └── CCCError                          answered as a CCC error body
        ├── ParameterError        400     Parameter.*
        ├── NotFound              404     NotExists.*
        ├── PermissionDenied      403     Permission.*
        ├── InvalidOperation      400     InvalidOperation.*
        ├── GatewayError          4xx     Alibaba's API gateway: action, version, signature
        └── ServiceError          5xx     ServiceUnavailable, InternalService.Common

Templates are CCC's verbatim (``reference/ccc-api.md`` §D), typos included ("Channel stats").
"""

from __future__ import annotations

from ._error_base import CallstateError, CCCError, WorldError
from ._gateway_errors import (
    ControlPlaneUnauthorized,
    GatewayError,
    IncompleteSignature,
    InvalidAccessKeyIdNotFound,
    InvalidActionNotFound,
    InvalidActionNotImplemented,
    InvalidParameterName,
    InvalidTimeStampExpired,
    InvalidVersion,
    MethodNotAllowed,
    PayloadTooLarge,
    RequestTimeout,
    SignatureDoesNotMatch,
    SignatureNonceUsed,
)
from ._service_errors import InternalServiceCommon, ServiceError, ServiceUnavailable

__all__ = [
    "CCCError",
    "CallstateError",
    "ControlPlaneUnauthorized",
    "GatewayError",
    "IncompleteSignature",
    "InternalServiceCommon",
    "InvalidAccessKeyIdNotFound",
    "InvalidActionNotFound",
    "InvalidActionNotImplemented",
    "InvalidOperation",
    "InvalidOperationCallState",
    "InvalidOperationChannelState",
    "InvalidOperationConsultationExists",
    "InvalidOperationNoAgentAvailable",
    "InvalidOperationNoConference",
    "InvalidOperationNoConsultation",
    "InvalidOperationNoCustomer",
    "InvalidOperationNotClaimable",
    "InvalidOperationOutboundScenario",
    "InvalidOperationSkillGroup",
    "InvalidOperationUserState",
    "InvalidParameterName",
    "InvalidTimeStampExpired",
    "InvalidVersion",
    "MethodNotAllowed",
    "NotExistsChannelId",
    "NotExistsInstanceId",
    "NotExistsJobId",
    "NotExistsNumber",
    "NotExistsSkillGroupId",
    "NotExistsUserId",
    "NotFound",
    "ParameterBlank",
    "ParameterEnumeration",
    "ParameterError",
    "ParameterFormat",
    "ParameterInvalid",
    "ParameterMaximum",
    "ParameterMinimum",
    "PayloadTooLarge",
    "PermissionDenied",
    "PermissionDeviceId",
    "PermissionJobId",
    "PermissionSkillGroup",
    "PermissionUser",
    "RequestTimeout",
    "ServiceError",
    "ServiceUnavailable",
    "SignatureDoesNotMatch",
    "SignatureNonceUsed",
    "WorldError",
    "catalogue",
]


# --- 400: parameters --------------------------------------------------------------------------
class ParameterError(CCCError):
    """A request parameter is missing or malformed (checked before anything is looked up)."""

    http_status = 400


class ParameterBlank(ParameterError):
    """A required parameter is absent, empty or only white space. Params: [name]."""

    code = "Parameter.Blank"
    template = "The parameter %s may not be null or blank."


class ParameterInvalid(ParameterError):
    """A parameter is well-formed but not acceptable here. Params: [name, reason]."""

    code = "Parameter.Invalid"
    template = "The parameter %s is invalid. %s."


class ParameterFormat(ParameterError):
    """A parameter cannot be read as its type (bool, integer, list). Params: [name, reason]."""

    code = "Parameter.Format"
    template = "The format of parameter %s is invalid. %s"


class ParameterEnumeration(ParameterError):
    """A parameter is not one of its enumeration's values. Params: [name, allowed values]."""

    code = "Parameter.Enumeration"
    template = "The parameter %s must be one of the value of enumeration %s."


class ParameterMinimum(ParameterError):
    """A number below its minimum. Params: [name, minimum]."""

    code = "Parameter.Minimum"
    template = "The parameter %s must be greater than or equal to %s."


class ParameterMaximum(ParameterError):
    """A number above its maximum. Params: [name, maximum]."""

    code = "Parameter.Maximum"
    template = "The parameter %s must be less than or equal to %s."


# --- 404: existence ---------------------------------------------------------------------------
class NotFound(CCCError):
    """Something the request names does not exist."""

    http_status = 404


class NotExistsInstanceId(NotFound):
    """No contact-centre instance has this id. Params: [instance]."""

    code = "NotExists.InstanceId"
    template = "The specified instance %s does not exist."


class NotExistsUserId(NotFound):
    """The instance has no such user. Params: [user, instance]."""

    code = "NotExists.UserId"
    template = "The user %s does not exist in instance %s."


class NotExistsJobId(NotFound):
    """The instance has no such call (or it ended longer ago than the retention). Params: [job]."""

    code = "NotExists.JobId"
    template = "The call %s does not exist."


class NotExistsChannelId(NotFound):
    """The call has no such channel. Params: [channel, job]."""

    code = "NotExists.ChannelId"
    template = "The specified channel %s does not exist in call %s."


class NotExistsSkillGroupId(NotFound):
    """The instance has no such skill group. Params: [skill group, instance]."""

    code = "NotExists.SkillGroupId"
    template = "The skill group ID %s does not exist in instance %s."


class NotExistsNumber(NotFound):
    """The number is not one of the instance's numbers. Params: [number, instance]."""

    code = "NotExists.Number"
    template = "The specified number %s does not exist in instance %s."


# --- 403: permission --------------------------------------------------------------------------
class PermissionDenied(CCCError):
    """The acting user may not do this to this object."""

    http_status = 403


class PermissionDeviceId(PermissionDenied):
    """DeviceId is not the user's active device (set by SignInGroup). Params: [device, user]."""

    code = "Permission.DeviceId"
    template = "The device %s is not the active device of user %s."
    origin = "callstate"


class PermissionJobId(PermissionDenied):
    """The user has no channel in the state the action needs in this call. Params: [user, job]."""

    code = "Permission.JobId"
    template = "The user %s is not a participant of call %s."
    origin = "callstate"


class PermissionSkillGroup(PermissionDenied):
    """The user is not a member of the skill group(s) named. Params: [skill groups]."""

    code = "Permission.SkillGroup"
    template = "You have no permission to access skill group(s) %s."


class PermissionUser(PermissionDenied):
    """A supervisor acted on an agent signed in to none of the groups it supervises.

    Params: [the agent].
    """

    code = "Permission.User"
    template = "You have no permission to access user(s) %s."


# --- 400: state -------------------------------------------------------------------------------
class InvalidOperation(CCCError):
    """The action is not allowed in the current state of the user or channel."""

    http_status = 400


class InvalidOperationUserState(InvalidOperation):
    """The user's state does not allow the action. Params: [state, allowed states]."""

    code = "InvalidOperation.UserState"
    template = "The operation is not allowed. User state (%s) does not meet expectations (%s)."


class InvalidOperationChannelState(InvalidOperation):
    """The channel's state does not allow the action (a held channel is written ``HELD``).

    Params: [state, allowed states].
    """

    code = "InvalidOperation.ChannelState"
    template = "The operation is not allowed. Channel stats (%s) does not meet expectations (%s)."


class InvalidOperationCallState(InvalidOperation):
    """The call's state does not allow the signal (e.g. re-offering a call that is not queued).

    Params: [state, allowed states].
    """

    code = "InvalidOperation.CallState"
    template = "The operation is not allowed. Call state (%s) does not meet expectations (%s)."
    origin = "callstate"


class InvalidOperationOutboundScenario(InvalidOperation):
    """An inbound call was offered to an agent who is ready for outbound calls only.

    Params: [user].
    """

    code = "InvalidOperation.OutboundScenario"
    template = "The user %s is ready for outbound calls only and cannot be offered a call."
    origin = "callstate"


class InvalidOperationSkillGroup(InvalidOperation):
    """A call was offered through a skill group the agent is not signed in to.

    Params: [user, skill group].
    """

    code = "InvalidOperation.SkillGroup"
    template = "The user %s is not signed in to skill group %s."
    origin = "callstate"


class InvalidOperationConsultationExists(InvalidOperation):
    """InitiateAttendedTransfer on a call that is consulting already. Params: [call]."""

    code = "InvalidOperation.ConsultationExists"
    template = "The call %s already has a consultation under way."
    origin = "callstate"


class InvalidOperationNoConsultation(InvalidOperation):
    """Complete- or CancelAttendedTransfer with no consultation (answered, to complete).

    Params: [call, the consultation's state].
    """

    code = "InvalidOperation.NoConsultation"
    template = "The call %s has no consultation to act on (consultation: %s)."
    origin = "callstate"


class InvalidOperationNoConference(InvalidOperation):
    """EndConference by an agent whose answered leg is not a conference member's.

    Params: [call, user].
    """

    code = "InvalidOperation.NoConference"
    template = "The call %s has no conference that the user %s is in."
    origin = "callstate"


class InvalidOperationNoCustomer(InvalidOperation):
    """A transfer, consultation or supervision in a call with no customer (agents only).

    Params: [call].
    """

    code = "InvalidOperation.NoCustomer"
    template = "The call %s has no customer."
    origin = "callstate"


class InvalidOperationNotClaimable(InvalidOperation):
    """ClaimCall of a call that no manually routed skill group's queue holds.

    Params: [call].
    """

    code = "InvalidOperation.NotClaimable"
    template = "The call %s is not waiting in a skill group whose RoutingType is Manual."
    origin = "callstate"


class InvalidOperationNoAgentAvailable(InvalidOperation):
    """InitiateAttendedTransfer to a skill group none of whose agents is free to be offered it.

    A consultation does not wait in the group's queue. Params: [skill group].
    """

    code = "InvalidOperation.NoAgentAvailable"
    template = "No agent of skill group %s is free to take a consultation now."
    origin = "callstate"


#: The catalogue's sections, in the order the documentation lists them.
CATEGORIES: tuple[type[CCCError], ...] = (
    ParameterError, NotFound, PermissionDenied, InvalidOperation, GatewayError, ServiceError,
)  # fmt: skip


def catalogue() -> list[type[CCCError]]:
    """Every concrete error class, by category, in declaration order: what ``docs/`` is made of."""
    found: list[type[CCCError]] = []

    def walk(cls: type[CCCError]) -> None:
        if cls.code:
            found.append(cls)
        for sub in cls.__subclasses__():
            walk(sub)

    for category in CATEGORIES:
        walk(category)
    return found
