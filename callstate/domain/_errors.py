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

from typing import ClassVar

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
    "RequestTimeout",
    "ServiceError",
    "ServiceUnavailable",
    "SignatureDoesNotMatch",
    "SignatureNonceUsed",
    "WorldError",
    "catalogue",
]


class CallstateError(Exception):
    """Base of every exception callstate raises on purpose."""


class WorldError(CallstateError, ValueError):
    """A world file (or dict) that does not describe a valid world; the message says where."""


class CCCError(CallstateError):
    """An error answered as a CCC error body: ``Code``, ``HttpStatusCode``, ``Message``, ``Params``.

    Subclasses set :attr:`code` and :attr:`template` (and inherit :attr:`http_status` from their
    category). Construct one with the template's fill values, in order::

        raise NotExistsJobId("job-1")   # Message: "The call job-1 does not exist."
    """

    code: ClassVar[str] = ""
    http_status: ClassVar[int] = 500
    template: ClassVar[str] = ""
    #: Where the code comes from: ``CCC`` (documented by CCC), ``gateway`` (Alibaba's API
    #: gateway) or ``callstate`` (our own, where CCC documents none).
    origin: ClassVar[str] = "CCC"

    def __init__(self, *params: str) -> None:
        super().__init__(*params)
        self.params: tuple[str, ...] = tuple(str(p) for p in params)

    @property
    def message(self) -> str:
        """The template with ``%s`` filled from :attr:`params`, in order."""
        return self.template % self.params

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


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


class InvalidOperationNotClaimable(InvalidOperation):
    """ClaimCall of a call that no manually routed skill group's queue holds.

    Params: [call].
    """

    code = "InvalidOperation.NotClaimable"
    template = "The call %s is not waiting in a skill group whose RoutingType is Manual."
    origin = "callstate"


# --- gateway ----------------------------------------------------------------------------------
class GatewayError(CCCError):
    """What Alibaba Cloud's API gateway answers before the request reaches CCC."""

    http_status = 400
    origin = "gateway"


class InvalidActionNotFound(GatewayError):
    """The action is not one callstate implements. Params: none."""

    code = "InvalidAction.NotFound"
    http_status = 404
    template = "Specified api is not found, please check your url and method."


class InvalidActionNotImplemented(GatewayError):
    """An action of CCC 2020-07-01's official SDK that callstate does not emulate. Params: [action].

    Distinct from ``InvalidAction.NotFound``, which a misspelt action gets: this one names the
    action, so a test that strays outside the emulated actions says which.
    """

    code = "InvalidAction.NotImplemented"
    http_status = 404  # as a typo's: a client error the SDK raises as ClientException
    origin = "callstate"
    template = "The action %s is a CCC 2020-07-01 action that callstate does not implement."


class InvalidVersion(GatewayError):
    """The API version is not ``2020-07-01``. Params: none."""

    code = "InvalidVersion"
    template = "Specified parameter Version is not valid."


class InvalidAccessKeyIdNotFound(GatewayError):
    """The request is signed with an access key the server does not know. Params: none."""

    code = "InvalidAccessKeyId.NotFound"
    http_status = 404
    template = "Specified access key is not found."


class SignatureDoesNotMatch(GatewayError):
    """The signature is not the one the server computes for this request. Params: none."""

    code = "SignatureDoesNotMatch"
    template = "Specified signature is not matched with our calculation."


class SignatureNonceUsed(GatewayError):
    """The signature nonce was seen already (a replay). Params: none."""

    code = "SignatureNonceUsed"
    template = "Specified signature nonce was used already."


class InvalidTimeStampExpired(GatewayError):
    """The signed date is more than 15 minutes from the server's clock. Params: none."""

    code = "InvalidTimeStamp.Expired"
    template = "Specified time stamp or date value is expired."


class IncompleteSignature(GatewayError):
    """The signature material is missing or not of Alibaba Cloud's form. Params: none."""

    code = "IncompleteSignature"
    template = "The request signature does not conform to Alibaba Cloud standards."


class InvalidParameterName(GatewayError):
    """A parameter name holds a character outside RFC 3986's unreserved set. Params: none.

    Refused before any signature is verified: the canonical query does not encode names, so
    only such names keep it unambiguous, and every CCC parameter name is alphanumeric.
    """

    code = "InvalidParameter.Name"
    origin = "callstate"
    template = "Specified parameter name is not valid: names hold only letters, digits and - . _ ~."


class ControlPlaneUnauthorized(GatewayError):
    """The control plane needs one of the server's access keys (HTTP Basic). Params: none."""

    code = "Unauthorized"
    http_status = 401
    origin = "callstate"
    template = (
        "The control plane requires HTTP Basic authentication with an AccessKeyId and its "
        "AccessKeySecret."
    )


# --- the HTTP edge: callstate's own, where CCC's gateway documents none -------------------------
class MethodNotAllowed(GatewayError):
    """A known path with an HTTP method it does not serve. Params: [method, allowed methods]."""

    code = "MethodNotAllowed"
    http_status = 405
    origin = "callstate"
    template = "The HTTP method %s is not allowed here; allowed: %s."


class RequestTimeout(GatewayError):
    """The request body did not arrive in time (the connection is closed). Params: [seconds]."""

    code = "RequestTimeout"
    http_status = 408
    origin = "callstate"
    template = "The request body was not received within %s seconds."


class PayloadTooLarge(GatewayError):
    """The request body is over the size limit (the connection is closed). Params: [bytes]."""

    code = "PayloadTooLarge"
    http_status = 413
    origin = "callstate"
    template = "The request body is larger than the limit of %s bytes."


# --- 5xx --------------------------------------------------------------------------------------
class ServiceError(CCCError):
    """The service could not answer; the request changed nothing."""

    http_status = 500
    origin = "gateway"


class ServiceUnavailable(ServiceError):
    """The shared store is unreachable or stayed contended; retry later. Params: none."""

    code = "ServiceUnavailable"
    http_status = 503
    template = "The request has failed due to a temporary failure of the server."


class InternalServiceCommon(ServiceError):
    """An unexpected fault, logged with its traceback under the reply's RequestId. Params: [detail].

    The detail is always :data:`LOGGED`: what went wrong is for the server's log, never for the
    client (no exception class or module name reaches a body).
    """

    code = "InternalService.Common"
    origin = "CCC"
    template = "An internal service error occurred. %s"
    #: The one detail a client is told.
    LOGGED: ClassVar[str] = "The server logged the details under this RequestId."

    @classmethod
    def logged(cls) -> InternalServiceCommon:
        """The error answered for an unexpected fault that has been logged."""
        return cls(cls.LOGGED)


def catalogue() -> list[type[CCCError]]:
    """Every concrete error class, in declaration order: the catalogue ``docs/`` is made from."""
    found: list[type[CCCError]] = []

    def walk(cls: type[CCCError]) -> None:
        for sub in cls.__subclasses__():
            if sub.code:
                found.append(sub)
            walk(sub)

    walk(CCCError)
    return found
