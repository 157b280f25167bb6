"""The ``callstate`` command line: ``demo`` plays a call (``_demo.py``), ``serve`` emulates CCC."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from . import __version__
from ._demo import SCENARIOS, play
from .domain import ServiceUnavailable, WorldError
from .engine import Engine, StoreSpecError

__all__ = ["main"]


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    return play(args.scenario, args.world, args.format, out)


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    try:
        from . import server  # noqa: PLC0415 (the server extra is optional)
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] not in ("starlette", "uvicorn"):
            raise
        print(f"callstate serve needs {err.name}: pip install 'callstate[server]'", file=sys.stderr)
        return 2
    try:
        engine = Engine(args.world, store=args.store)
    except (StoreSpecError, ServiceUnavailable) as err:  # a bad spec; a store not reachable
        cause = f" ({err.__cause__})" if err.__cause__ is not None else ""
        print(f"callstate: store {args.store or 'memory'}: {err}{cause}", file=sys.stderr)
        return 2
    problem = _cannot_listen(args.host, args.port)
    if problem is not None:
        engine.close()
        print(f"callstate: cannot listen on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return 2
    credentials = dict(args.credentials or ())
    if not credentials and not _is_loopback(args.host):
        print(
            f"callstate: WARNING: serving on {args.host} without --credentials: anyone who can "
            "reach the port may call every action, and use the control plane at /_callstate/ "
            "(read every call, stream every event, reset the world, hang up any call). "
            "Pass --credentials AK:SECRET to require signatures and control-plane access keys.",
            file=sys.stderr,
        )
    persistence = _persistence(engine)
    # Only the limits given: the defaults are the server's own (callstate.server.DEFAULT_*).
    limits = {name: getattr(args, name) for name in _LIMITS if getattr(args, name) is not None}

    def ready(url: str) -> None:
        checked = (
            f"signatures checked for {len(credentials)} access key(s)"
            if credentials
            else "no --credentials: any signature accepted"
        )
        out.write(f"callstate: serving CCC 2020-07-01 at {url} ({checked})\n")
        out.write(f"callstate: control plane at {url}/_callstate/ ; Ctrl-C to stop\n")
        out.write(persistence)
        out.flush()

    stopped_by = server.serve(
        engine,
        host=args.host,
        port=args.port,
        credentials=credentials,
        identities=dict(args.identity or ()),
        log_level=args.log_level,
        access_log=args.access_log,
        on_ready=ready,
        max_streams=args.max_streams or server.DEFAULT_MAX_STREAMS,
        **limits,
    )
    engine.close()
    reason = f" ({stopped_by.name})" if stopped_by is not None else ""
    out.write(f"callstate: stopped{reason}\n")
    out.flush()
    return 0


def _cannot_listen(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be bound (in use, not an interface, not allowed), else ``None``.

    Tried before serving so that the cause is one line, not uvicorn's log and exit; the socket
    is closed again at once (uvicorn binds its own, with the same ``SO_REUSEADDR``).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.create_server((host.strip("[]"), port), family=family):
            return None
    except OSError as err:
        return os.strerror(err.errno) if err.errno else str(err)


def _is_loopback(host: str) -> bool:
    """Whether ``host`` (an interface to bind) is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may be any interface
        return False


def _persistence(engine: Engine) -> str:
    """On Redis, a line: what Redis persists, so what its restart would lose (docs/redis.md)."""
    persistence = getattr(engine.store, "persistence", None)
    if persistence is None:
        return ""
    found: dict[str, str] = persistence()
    if not found:
        return "callstate: Redis does not say what it persists (CONFIG GET is refused)\n"
    aof, save = found.get("appendonly", "?"), found.get("save", "?")
    if aof == "yes":
        loses = f"AOF, fsync {found.get('appendfsync', '?')}: a crash loses about the last second"
    elif save.strip():
        loses = "RDB snapshots only: a crash loses every command since the last snapshot"
    else:
        loses = "none: a restart loses every call and agent (the world is provisioned again)"
    return f'callstate: Redis persistence: appendonly={aof} save="{save}" ({loses})\n'


_LIMITS = ("max_body_bytes", "header_timeout", "body_timeout")


def _credential(text: str) -> tuple[str, str]:
    """``AK:SECRET`` -> ``(AK, SECRET)``; the secret may contain colons."""
    key, sep, secret = text.partition(":")
    if not sep or not key or not secret:
        raise argparse.ArgumentTypeError(f"expected AK:SECRET, got {text!r}")
    return key, secret


def _identity(text: str) -> tuple[str, str]:
    """``AK=USERID`` -> ``(AK, USERID)``."""
    key, sep, user = text.partition("=")
    if not sep or not key or not user.strip():
        raise argparse.ArgumentTypeError(f"expected AK=USERID, got {text!r}")
    return key, user


def _port(text: str) -> int:
    """An argparse type: a TCP port, 0 to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {text!r}")
    return port


def _positive(kind: Callable[[str], float]) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` greater than zero."""

    def read(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
        return value

    return read


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callstate",
        description="Call-control rules of a cloud contact centre (Alibaba Cloud CCC 2020-07-01).",
    )
    parser.add_argument("--version", action="version", version=f"callstate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="play a call: the seed's outbound one (default), an inbound one, or a transfer",
        description="Play a scenario on a world (default: the bundled one) and print every "
        "request, response and event. hold (the default): the HoldCall seed's outbound call: "
        "sign in, dial, hold, retrieve, hang up, get ready. inbound: a call to the bundled "
        "number queues while the agent is on break, rings the agent once ready, is answered, "
        "held, retrieved and released. transfer: the agent answers an inbound call, consults a "
        "colleague (the customer held), and completes the transfer to them.",
    )
    demo.add_argument("--scenario", choices=tuple(SCENARIOS), default="hold",
                      help="which call to play (default: hold)")  # fmt: skip
    demo.add_argument("--format", choices=("json", "xml"), default="json", help="response format")
    demo.add_argument("--world", metavar="FILE", help="a world JSON file (default: bundled)")
    demo.set_defaults(run=_demo)
    serve = commands.add_parser(
        "serve",
        help="a local CCC endpoint the official SDK (and curl) talk to unchanged",
        description="Serve CCC 2020-07-01's RPC protocol over the engine on HTTP, with a control "
        "plane under /_callstate/ (docs/emulator.md). Needs the server extra: "
        "pip install 'callstate[server]'.",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default: loopback); another one without --credentials warns",
    )
    serve.add_argument(
        "--port", type=_port, default=8080, help="port (default 8080; 0 picks a free one)"
    )
    serve.add_argument("--world", metavar="FILE", help="a world JSON file (default: bundled)")
    serve.add_argument(
        "--credentials",
        metavar="AK:SECRET",
        type=_credential,
        action="append",
        help="an access key whose signatures are accepted, and which opens the control plane "
        "(HTTP Basic, curl -u AK:SECRET); repeatable. Without any, every request is accepted "
        "whatever its signature and the control plane is open",
    )
    serve.add_argument(
        "--identity",
        metavar="AK=USERID",
        type=_identity,
        action="append",
        help="a request signed with access key AK and without UserId acts as agent USERID, as "
        "CCC maps a RAM identity to its agent; repeatable",
    )
    serve.add_argument(
        "--store",
        metavar="SPEC",
        default=None,
        help="where state lives: memory, or redis://host:port/db (shared by several serve "
        "processes); default: $CALLSTATE_STORE, else memory",
    )
    serve.add_argument(
        "--max-streams",
        type=_positive(int),
        default=None,
        metavar="N",
        help="open event streams served at once; more are answered 503 "
        "(default: callstate.server.DEFAULT_MAX_STREAMS, 500)",
    )
    serve.add_argument(
        "--max-body-bytes",
        metavar="N",
        type=_positive(int),
        help="largest request body accepted, in bytes (default 1 MiB); larger is a 413",
    )
    serve.add_argument(
        "--header-timeout",
        metavar="SECONDS",
        type=_positive(float),
        help="seconds a connection has to send a request's headers, from its opening or its "
        "previous response, before it is closed (default 10)",
    )
    serve.add_argument(
        "--body-timeout",
        metavar="SECONDS",
        type=_positive(float),
        help="seconds a request's body has to arrive; then 408 and the connection is closed "
        "(default 30)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log level (default info)",
    )
    serve.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="do not log every request",
    )
    serve.set_defaults(run=_serve)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; answers the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args, out or sys.stdout)
    except WorldError as err:
        print(f"callstate: {err}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
