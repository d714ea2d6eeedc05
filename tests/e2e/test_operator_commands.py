"""The operator contract from the outside: `servicebot run` and Ctrl-C, `nlu predict`,
readiness, and the set-up script's message when Python 3.10 is missing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bot.commands import predict
from bot.settings import REPO_ROOT, Settings
from tests.e2e.conftest import Stack
from tests.net import free_port

pytestmark = pytest.mark.e2e


def _children_of(pid: int) -> set[int]:
    """All descendants of a process (from /proc), so none can outlive Ctrl-C unseen."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            for child in task.read_text().split():
                if int(child) not in found:
                    found.add(int(child))
                    frontier.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    "stop_signal",
    [signal.SIGINT, signal.SIGTERM],  # Ctrl-C in a terminal; systemd, Docker or `kill`
    ids=["ctrl-c", "sigterm"],
)
def test_servicebot_run_starts_the_stack_and_a_stop_signal_stops_every_process(
    settings: Settings, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "SERVICEBOT_HTTP_PORT": str(port),
        "SERVICEBOT_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "SERVICEBOT_DATA_DIR": str(tmp_path / "var"),
        "SERVICEBOT_DATABASE_URL": settings.effective_database_url,
        "SERVICEBOT_REDIS_URL": "",  # embedded, started and stopped by `run`
        "SERVICEBOT_ENVIRONMENT": "development",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True)
    reader.start()
    simulator_url = f"http://127.0.0.1:{port}/dev/simulator"
    try:
        deadline = time.monotonic() + 240
        while simulator_url not in "".join(output):  # printed once the stack is ready
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the stack did not become ready:\n" + "".join(output))
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert response.status == 200
        children = _children_of(process.pid)
        assert len(children) >= 5  # redis, NLU gateway and its Rasa, web, worker
        process.send_signal(stop_signal)
        assert process.wait(timeout=60) == 0
        reader.join(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
    assert "All servicebot processes stopped." in "".join(output)
    time.sleep(0.5)
    assert [pid for pid in children if _alive(pid)] == []


async def test_nlu_predict_follows_the_operator_contract(stack: Stack) -> None:
    lines: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            return None

    messages = ["Was kostet der Versand?", "", "What are your opening hours?", "hallo"]
    await predict(stack.settings, messages, Out())  # type: ignore[arg-type]
    records = [json.loads(line) for line in "".join(lines).splitlines()]
    assert [set(r) for r in records] == [
        {"text", "language", "intent", "confidence", "faq", "action"}
    ] * 3
    assert [(r["language"], r["faq"], r["action"]) for r in records] == [
        ("de", "shipping_costs", "answer_faq"),
        ("en", "opening_hours", "answer_faq"),
        ("de", None, "smalltalk"),
    ]
    assert all(0.0 <= r["confidence"] <= 1.0 for r in records)


async def test_readiness_names_what_is_missing(stack: Stack) -> None:
    async with stack.http.get(f"{stack.base_url}/readyz") as response:
        assert response.status == 200
        assert await response.json() == {
            "status": "ready",
            "redis": "ok",
            "database": "ok",
            "nlu": "ok",
        }
    async with stack.http.get(f"{stack.base_url}/healthz") as response:
        assert response.status == 200


def test_setup_explains_how_to_get_python_3_10_when_it_is_missing(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in (
        "bash",
        "cat",
        "sha256sum",
        "cut",
        "ls",
        "sort",
        "dirname",
        "grep",
        "mkdir",
        "tail",
        "basename",
        "printf",
    ):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    (bin_dir / "python3").symlink_to(REPO_ROOT / ".venv" / "bin" / "python")
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "setup.sh")],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Rasa 3.6 needs Python 3.10" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
