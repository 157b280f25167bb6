"""``callstate serve``: a real process, its URL, signatures on, graceful stops, clear refusals."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alibabacloud_ccc20200701 import models
from alibabacloud_tea_openapi.exceptions import ClientException
from server_support import AK, SECRET, SSE, ServeProcess, agent, client, sign_in

from callstate import default_world


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_with_credentials_then_stop_gracefully(sig: signal.Signals) -> None:
    served = ServeProcess("--credentials", f"{AK}:{SECRET}", "--credentials", "other:a:b:c")
    try:
        assert served.url.startswith("http://127.0.0.1:")  # loopback by default, the real port
        assert "signatures checked for 2 access key(s)" in served.printed[0]
        assert sign_in(client(served.endpoint), agent()).body.data.user_state == "READY"
        colons = client(served.endpoint, ak="other", secret="a:b:c")
        assert colons.poll_user_status(models.PollUserStatusRequest(**agent())).status_code == 200
        with pytest.raises(ClientException) as info:
            client(served.endpoint, secret="wrong").poll_user_status(
                models.PollUserStatusRequest(**agent())
            )
        assert info.value.code == "SignatureDoesNotMatch"
        stream = SSE(served.url, "/_callstate/events")  # an open stream does not hold up the stop
    finally:
        started = time.monotonic()
        status, out, err = served.stop(sig)
    stream.close()
    assert status == 0, err
    assert time.monotonic() - started < 4
    assert f"callstate: stopped ({sig.name})" in out
    assert "Traceback" not in err


def test_serve_with_a_world_file(tmp_path: Path) -> None:
    world = default_world().to_dict()
    world["instances"][0]["instanceId"] = "ccc-file"
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world), "utf-8")
    served = ServeProcess("--world", str(path), "--no-access-log")
    try:
        assert "any signature accepted" in served.printed[0]
        ccc = client(served.endpoint)
        polled = ccc.poll_user_status(
            models.PollUserStatusRequest(instance_id="ccc-file", user_id="user-test@ccc-test")
        )
        assert polled.body.data.user_context.instance_id == "ccc-file"
    finally:
        assert served.stop()[0] == 0


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "callstate.cli", "serve", "--port", "0", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_store_that_cannot_be_reached_is_a_message_not_a_traceback() -> None:
    refused = run("--store", "redis://127.0.0.1:1/0?socket_connect_timeout=0.5")
    assert refused.returncode == 2
    assert refused.stderr.startswith("callstate: store redis://127.0.0.1:1/0")
    assert "ServiceUnavailable" in refused.stderr and "Traceback" not in refused.stderr


def test_an_unknown_store_is_a_usage_error() -> None:
    refused = run("--store", "etcd://localhost:2379")
    assert refused.returncode == 2
    assert "unsupported store 'etcd://localhost:2379'" in refused.stderr
    assert "available: memory, redis, rediss" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize("credential", ["no-colon", ":secret", "ak:"])
def test_malformed_credentials_are_a_usage_error(credential: str) -> None:
    refused = run("--credentials", credential)
    assert refused.returncode == 2
    assert "expected AK:SECRET" in refused.stderr


def test_a_bad_world_file_is_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "w.json"
    bad.write_text('{"instances": [{}]}', "utf-8")
    refused = run("--world", str(bad))
    assert refused.returncode == 2
    assert "instances[0]" in refused.stderr and "Traceback" not in refused.stderr


def test_without_the_server_extra_callstate_imports_and_serve_says_what_to_install() -> None:
    script = (
        "import sys\n"
        "sys.modules['starlette'] = None\n"
        "sys.modules['uvicorn'] = None\n"
        "import callstate\n"
        "callstate.Engine().handle('PollUserStatus', {})\n"
        "from callstate.cli import main\n"
        "sys.exit(main(['serve']))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 2
    assert "pip install 'callstate[server]'" in run.stderr
    assert "Traceback" not in run.stderr


def test_store_specs() -> None:
    from callstate import MemoryStore
    from callstate.engine import StoreSpecError, open_store

    assert isinstance(open_store("memory"), MemoryStore)
    assert isinstance(open_store("memory://"), MemoryStore)
    with pytest.raises(StoreSpecError, match="available: memory, redis, rediss"):
        open_store("etcd://localhost:2379")


def test_only_the_cli_imports_the_server() -> None:
    package = Path(__file__).resolve().parents[1] / "callstate"
    imports_server = re.compile(
        r"^\s*(from\s+(callstate|\.+)\s+import\s+server\b|(from|import)\s+(callstate|\.*)\.?server\b)",
        re.M,
    )
    importers = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "server" not in path.relative_to(package).parts
        and imports_server.search(path.read_text("utf-8"))
    }
    # the testing extra brings the server's dependencies: its plugin and SDK mock use it
    assert importers == {"cli.py", "testing/plugin.py", "testing/_mock.py"}
