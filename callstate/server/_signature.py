"""Request signatures, as Alibaba Cloud's SDK makes them: pure functions and a verifier.

Two schemes, as Alibaba Cloud's API gateway checks them:

* **V3**, ``ACS3-HMAC-SHA256`` (the SDK's default): an ``Authorization`` header over a canonical
  request built from the method, the path, the *decoded and re-encoded* query, the headers the
  request lists in ``SignedHeaders`` and the body's SHA-256 (``x-acs-content-sha256``).
* **V2**, ``HMAC-SHA1`` (``Config(signature_algorithm='v2')``): a ``Signature`` query parameter
  over every other query parameter plus the form-body parameters.

Nothing here does I/O or reads the time: a :class:`WireRequest` is the request as received,
the :class:`Verifier` is given a clock (epoch ms), and its nonces (:mod:`._nonces`) are told
``now``.
A failed check raises the catalogue's gateway errors (docs/errors.md).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus, unquote_plus, unquote_to_bytes

import attrs

from ..domain import (
    IncompleteSignature,
    InvalidAccessKeyIdNotFound,
    InvalidParameterName,
    InvalidTimeStampExpired,
    SignatureDoesNotMatch,
    SignatureNonceUsed,
)
from ._nonces import NONCE_MAX_BYTES, NonceCache, Nonces

__all__ = [
    "EMPTY_SHA256",
    "REQUIRED_SIGNED_HEADERS",
    "SKEW_MS",
    "V3_ALGORITHM",
    "Verifier",
    "WireRequest",
    "canonical_query",
    "canonical_request",
    "check_names",
    "parse_authorization",
    "parse_form",
    "parse_query",
    "parse_time",
    "rpc_string_to_sign",
    "sign_v2",
    "sign_v3",
    "v3_string_to_sign",
]

log = logging.getLogger("callstate.server")

V3_ALGORITHM = "ACS3-HMAC-SHA256"
#: How far a signed date may be from the server's clock, either way: 15 minutes.
SKEW_MS = 15 * 60 * 1000
#: The hex SHA-256 of an empty body.
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
#: Headers a V3 request must sign: without them a request could be replayed or retargeted.
REQUIRED_SIGNED_HEADERS = (
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
)

_AUTHORIZATION = re.compile(
    r"^ACS3-HMAC-SHA256 Credential=([^,\s]+),SignedHeaders=([^,\s]*),Signature=([0-9a-fA-F]+)$"
)
#: RFC 3986's unreserved characters: the only ones a parameter name may hold.
_UNRESERVED_NAME = re.compile(r"[A-Za-z0-9._~-]+")
_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ")
_V2_REQUIRED = ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp")


@attrs.frozen
class WireRequest:
    """A request as received: what both signature schemes read.

    ``query`` and ``form`` are decoded (``+`` is a space), one value per name (the last one);
    ``headers`` maps lower-case names to every value received for them.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, tuple[str, ...]]
    body: bytes = b""
    form: Mapping[str, str] = attrs.field(factory=dict)

    def header(self, name: str) -> str | None:
        """A header's canonical value: its values stripped, sorted and comma-joined."""
        values = self.headers.get(name.lower())
        if values is None:
            return None
        return ",".join(sorted(v.strip() for v in values))


# --- decoding ----------------------------------------------------------------------------------
def parse_query(raw: bytes | str) -> dict[str, str]:
    """A query string, percent-decoded as UTF-8 (``+`` is a space); the last value of a name wins.

    What ``parse_qsl(..., keep_blank_values=True)`` answers for ``&``-separated pairs, without
    its generic argument handling (a sixth of a request's cost). Never sign the raw query: sync
    and async SDK clients encode the same values differently.
    """
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    params: dict[str, str] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params[_unquote(name)] = _unquote(value)
    return params


def _unquote(text: str) -> str:
    """``unquote_plus`` (UTF-8, errors replaced), skipped where there is nothing to decode."""
    if "%" not in text and "+" not in text:  # most names and ids: unquote_plus would copy them
        return text
    if len(text) > _MEMO_MAX_CHARS:
        return _decode(text)
    return _memo_decode(text)


def _decode(text: str) -> str:
    """``unquote_plus(text, errors="replace")``; ASCII text (nearly all) decoded as bytes at once.

    For ASCII text ``unquote_plus`` is exactly this, less its splitting into ASCII runs.
    """
    if text.isascii():
        return unquote_to_bytes(text.replace("+", " ")).decode("utf-8", "replace")
    return unquote_plus(text, errors="replace")


#: Components up to this long are decoded through a memo: a client sends the same encoded ids
#: (``agent%40instance``) request after request; the bound keeps the memo's size bounded too.
_MEMO_MAX_CHARS = 128
_memo_decode = functools.lru_cache(maxsize=4096)(_decode)


def check_names(*params: Mapping[str, str]) -> None:
    """Refuse a parameter name the canonical query cannot carry: :class:`InvalidParameterName`.

    A decoded name must be one or more of RFC 3986's unreserved characters (letters, digits,
    ``-._~``). The V3 canonical query (the SDK's ``get_canonical_query_string``) encodes values
    but not names: only with such names can it be read back one way. Otherwise
    ``Caller%3DX%26DeviceId=Y`` would verify with the signature of ``Caller=X&DeviceId=Y``.
    """
    for mapping in params:
        for name in mapping:
            if name.isascii() and name.isalnum():  # every CCC name: letters and digits only
                continue
            if _UNRESERVED_NAME.fullmatch(name) is None:
                log.debug("refused the parameter name %.80r", name)
                raise InvalidParameterName()


def parse_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, decoded like :func:`parse_query`."""
    return parse_query(body)


def parse_time(text: str) -> int:
    """An ISO-8601 UTC time as the SDK writes it (``2026-11-24T00:10:54Z``), in epoch ms.

    Raises :class:`IncompleteSignature` for anything else.
    """
    for fmt in _TIME_FORMATS:
        try:
            stamp = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(stamp.timestamp() * 1000)
    raise IncompleteSignature()


# --- V3 ----------------------------------------------------------------------------------------
def canonical_query(query: Mapping[str, str]) -> str:
    """The V3 canonical query, byte for byte the SDK's ``get_canonical_query_string``.

    Names sorted by code point, values RFC 3986-encoded as UTF-8, names as they are: unambiguous
    only for the names :func:`check_names` lets through.
    """
    return "&".join(f"{k}={quote(query[k], safe='~')}" for k in sorted(query))


def canonical_request(
    request: WireRequest, signed_headers: Sequence[str], payload_hash: str
) -> str:
    """The V3 canonical request, rebuilt from the received request and its ``SignedHeaders``."""
    headers = "".join(f"{n.lower()}:{request.header(n) or ''}\n" for n in signed_headers)
    return "\n".join(
        [
            request.method.upper(),
            request.path or "/",
            canonical_query(request.query),
            headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def v3_string_to_sign(canonical: str) -> str:
    """The V3 string to sign: the algorithm, a newline, the canonical request's hex SHA-256."""
    return f"{V3_ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def sign_v3(secret: str, string_to_sign: str) -> str:
    """The V3 signature: hex HMAC-SHA256 keyed with the secret itself (no key derivation)."""
    key = secret.encode("utf-8")
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization(value: str) -> tuple[str, tuple[str, ...], str]:
    """``(AccessKeyId, SignedHeaders, Signature)`` of a V3 ``Authorization`` header.

    Raises :class:`IncompleteSignature` for another form (other algorithms included).
    """
    match = _AUTHORIZATION.match(value.strip())
    if match is None:
        raise IncompleteSignature()
    access_key_id, headers, signature = match.groups()
    names = tuple(h for h in headers.split(";") if h)
    if not names:
        raise IncompleteSignature()
    return access_key_id, names, signature.lower()


# --- V2 ----------------------------------------------------------------------------------------
def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """The V2 string to sign: ``METHOD&%2F&`` + the encoded canonical parameter string."""
    canon = "&".join(f"{quote(k, safe='~')}={quote(params[k], safe='~')}" for k in sorted(params))
    return f"{method.upper()}&%2F&{quote_plus(canon, safe='~')}"


def sign_v2(secret: str, string_to_sign: str) -> str:
    """The V2 signature: base64 HMAC-SHA1 keyed with ``secret + "&"``."""
    key = (secret + "&").encode("utf-8")
    digest = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


# --- the verifier ------------------------------------------------------------------------------
class Verifier:
    """Checks requests' signatures against known access keys.

    Args:
        credentials: AccessKeyId -> AccessKeySecret.
        clock: the server's clock, epoch ms (the signed date must be within ``skew_ms`` of it).
        nonces: where used nonces are remembered (default: a new process-local
            :class:`~callstate.server.NonceCache`; a server on a shared store passes the store's).
        skew_ms: the allowed distance between the signed date and the clock, either way.

    """

    def __init__(
        self,
        credentials: Mapping[str, str],
        clock: Callable[[], int],
        *,
        nonces: Nonces | None = None,
        skew_ms: int = SKEW_MS,
    ) -> None:
        self.credentials = dict(credentials)
        self.clock = clock
        self.nonces: Nonces = nonces if nonces is not None else NonceCache()
        self.skew_ms = skew_ms

    def verify(self, request: WireRequest) -> str:
        """Answer the request's AccessKeyId, or raise the gateway error it deserves.

        V3 when an ``Authorization`` header is present, V2 when a ``Signature`` query parameter
        is; neither is ``IncompleteSignature``. Checks, in order: every parameter name is
        unreserved (``InvalidParameter.Name``, :func:`check_names`), the signature material is
        complete, its nonce at most 128 bytes (``IncompleteSignature``), the key is known
        (``InvalidAccessKeyId.NotFound``), the body matches its hash and the signature matches
        (``SignatureDoesNotMatch``), the date is within the skew (``InvalidTimeStamp.Expired``),
        the nonce is new (``SignatureNonceUsed``; ``ServiceUnavailable`` if it cannot be
        recorded). The nonce is recorded only when every other check passed.
        """
        check_names(request.query, request.form)
        authorization = request.header("authorization")
        if authorization is not None:
            access_key_id, date, nonce = self._verify_v3(request, authorization)
        elif "Signature" in request.query:
            access_key_id, date, nonce = self._verify_v2(request)
        else:
            raise IncompleteSignature()
        signed_at = parse_time(date)
        now = self.clock()
        if abs(now - signed_at) > self.skew_ms:
            raise InvalidTimeStampExpired()
        if not self.nonces.use(nonce, signed_at + self.skew_ms, now):
            raise SignatureNonceUsed()
        return access_key_id

    def _secret(self, access_key_id: str) -> str:
        secret = self.credentials.get(access_key_id)
        if secret is None:
            raise InvalidAccessKeyIdNotFound()
        return secret

    def _verify_v3(self, request: WireRequest, authorization: str) -> tuple[str, str, str]:
        access_key_id, signed_headers, signature = parse_authorization(authorization)
        lowered = {h.lower() for h in signed_headers}
        for name in REQUIRED_SIGNED_HEADERS:
            if name not in lowered or not request.header(name):
                raise IncompleteSignature()
        nonce = _nonce(request.header("x-acs-signature-nonce") or "")
        secret = self._secret(access_key_id)
        payload_hash = request.header("x-acs-content-sha256") or ""
        if not hmac.compare_digest(hashlib.sha256(request.body).hexdigest(), payload_hash.lower()):
            raise SignatureDoesNotMatch()
        canonical = canonical_request(request, signed_headers, payload_hash)
        expected = sign_v3(secret, v3_string_to_sign(canonical))
        if not hmac.compare_digest(expected, signature):
            raise SignatureDoesNotMatch()
        return access_key_id, request.header("x-acs-date") or "", nonce

    def _verify_v2(self, request: WireRequest) -> tuple[str, str, str]:
        query = request.query
        if any(not query.get(name) for name in _V2_REQUIRED):
            raise IncompleteSignature()
        if query.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
            raise IncompleteSignature()
        nonce = _nonce(query["SignatureNonce"])
        secret = self._secret(query["AccessKeyId"])
        params = {k: v for k, v in query.items() if k != "Signature"}
        params.update(request.form)
        expected = sign_v2(secret, rpc_string_to_sign(request.method, params))
        if not hmac.compare_digest(expected.encode(), query["Signature"].encode()):
            raise SignatureDoesNotMatch()
        return query["AccessKeyId"], query["Timestamp"], nonce


def _nonce(text: str) -> str:
    """A request's nonce, refused (``IncompleteSignature``) past :data:`NONCE_MAX_BYTES`."""
    if len(text.encode("utf-8", "surrogatepass")) > NONCE_MAX_BYTES:
        raise IncompleteSignature()
    return text
