"""What Alibaba Cloud's API gateway answers before a request reaches CCC, and the HTTP edge's own.

Part of the one catalogue (``_errors.catalogue``): each class is its row.
"""

from __future__ import annotations

from ._error_base import CCCError

__all__ = [
    "ControlPlaneUnauthorized",
    "GatewayError",
    "IncompleteSignature",
    "InvalidAccessKeyIdNotFound",
    "InvalidActionNotFound",
    "InvalidActionNotImplemented",
    "InvalidParameterName",
    "InvalidTimeStampExpired",
    "InvalidVersion",
    "MethodNotAllowed",
    "PayloadTooLarge",
    "RequestTimeout",
    "SignatureDoesNotMatch",
    "SignatureNonceUsed",
]


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
