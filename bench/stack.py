"""The benchmark's world on this machine: raw Rasa servers with the trained model (R1, and
what our workers parse with), a real redis-server, a migrated and seeded SQLite database,
the timed Bot API stand-in, and our `servicebot web` and `servicebot worker` processes in
production mode, restartable with another number of workers or Rasa replicas."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.driver import TimedStandin
from bot.commands import seed_demo
from bot.devtools.telegram_standin import STANDIN_TOKEN, create_standin_app
from bot.redis_factory import EmbeddedRedis
from bot.settings import Settings
from bot.storage.migrate import upgrade_async
from nlu.server import serve_command
from nlu.trainer import current_model, rasa_environment

WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - a local benchmark's, not a real one
RASA_START_SECONDS = 300.0  # TensorFlow's import and the model's load on two busy cores
OURS_START_SECONDS = 60.0
STOP_SECONDS = 20.0


class BenchError(RuntimeError):
    """A part of the benchmark's world did not come up; the message says where to look."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(
    check_url: str, process: subprocess.Popen[bytes], seconds: float, log: Path
) -> None:
    """Wait until `check_url` answers 200 (with a model, for Rasa's /status)."""
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                async with http.get(check_url, timeout=aiohttp.ClientTimeout(total=3)) as answer:
                    if answer.status == 200:
                        body = await answer.json(content_type=None)
                        if not check_url.endswith("/status") or body.get("model_file"):
                            return
            if process.poll() is not None:
                raise BenchError(f"{log.stem} exited with code {process.returncode}; see {log}")
            if time.monotonic() > deadline:
                raise BenchError(f"{log.stem} did not answer in {seconds:.0f} s; see {log}")
            await asyncio.sleep(0.5)


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (ours finish what they hold), SIGKILL whatever is still there after a while."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rss_megabytes(pid: int) -> float:
    """A process's resident memory (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


class BenchStack:
    """Handles on the running parts; `ours(...)` (re)starts web and workers."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root
        self.settings = settings  # the checkout's: where the model and Rasa are
        self.standin = TimedStandin()
        self.standin_url = ""
        self.rasa_urls: list[str] = []
        self.web_port = free_port()
        self._redis = EmbeddedRedis(root / "redis")
        self._database_url = f"sqlite+aiosqlite:///{root / 'bench.db'}"
        self._rasa: list[subprocess.Popen[bytes]] = []
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    @property
    def webhook_url(self) -> str:
        """Our Telegram webhook."""
        return f"http://127.0.0.1:{self.web_port}/webhooks/telegram"

    def _log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    async def start_rasa(self, replicas: int) -> None:
        """`replicas` raw Rasa servers (`rasa run --enable-api`) on the current model."""
        model = current_model(self.settings.model_dir)
        if model is None:
            raise BenchError("no trained model: run `make setup` first")
        for _ in range(replicas):
            self._spawn_rasa(model)
        for n, (url, process) in enumerate(zip(self.rasa_urls, self._rasa, strict=True)):
            await _until(f"{url}/status", process, RASA_START_SECONDS, self._log(f"rasa-{n + 1}"))

    def _spawn_rasa(self, model: Path) -> None:
        url = f"http://127.0.0.1:{free_port()}"
        log = self._log(f"rasa-{len(self._rasa) + 1}")
        command = serve_command(self.settings.rasa_executable, model, url, log)
        with log.with_suffix(".out").open("wb") as out:
            self._rasa.append(
                subprocess.Popen(command, env=rasa_environment(), stdout=out, stderr=out)
            )
        self.rasa_urls.append(url)

    async def prepare(self) -> None:
        """Redis, the database with the demo company's FAQ and customers."""
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        self._redis.start()
        await upgrade_async(self._database_url)
        await seed_demo(self.settings.model_copy(update={"database_url": self._database_url}))

    def _env(self, rasa_urls: Sequence[str]) -> dict[str, str]:
        return {
            **os.environ,
            "SERVICEBOT_ENVIRONMENT": "production",
            "SERVICEBOT_HTTP_HOST": "127.0.0.1",
            "SERVICEBOT_HTTP_PORT": str(self.web_port),
            "SERVICEBOT_DATA_DIR": str(self.root / "var"),
            "SERVICEBOT_DATABASE_URL": self._database_url,
            "SERVICEBOT_REDIS_URL": self._redis.url,
            "SERVICEBOT_RASA_URL": ",".join(rasa_urls),
            "SERVICEBOT_TELEGRAM_TOKEN": STANDIN_TOKEN,
            "SERVICEBOT_TELEGRAM_API_URL": self.standin_url,
            "SERVICEBOT_TELEGRAM_SECRET_TOKEN": WEBHOOK_SECRET,
            "SERVICEBOT_LOG_JSON": "true",
        }

    def _spawn(self, command: str, env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        with self._log(name).open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "bot", command], env=env, stdout=out, stderr=out
            )

    async def _start_workers(self, count: int, env: dict[str, str]) -> None:
        """`count` workers, each ready: its health port answers only once it has prepared
        (the example index) and is about to read, so no phase times a worker's start."""
        ports = [free_port() for _ in range(count)]
        for n, port in enumerate(ports):
            worker_env = {**env, "SERVICEBOT_WORKER_HTTP_PORT": str(port)}
            self.workers.append(self._spawn("worker", worker_env, f"worker-{n + 1}"))
        for n, (port, worker) in enumerate(zip(ports, self.workers, strict=True)):
            log = self._log(f"worker-{n + 1}")
            await _until(f"http://127.0.0.1:{port}/healthz", worker, OURS_START_SECONDS, log)
        await asyncio.sleep(1.0)  # past /healthz, the worker joins the group and reads

    async def ours(self, workers: int, rasa_replicas: int) -> None:
        """(Re)start our web process and `workers` workers on the first `rasa_replicas`
        Rasa servers."""
        self.stop_ours()
        env = self._env(self.rasa_urls[:rasa_replicas])
        self.web = self._spawn("web", env, "web")
        await _until(
            f"http://127.0.0.1:{self.web_port}/healthz",
            self.web,
            OURS_START_SECONDS,
            self._log("web"),
        )
        await self._start_workers(workers, env)

    def stop_ours(self) -> None:
        """Stop web and workers (they finish what they hold)."""
        _stop([p for p in (self.web, *self.workers) if p is not None])
        self.web, self.workers = None, []

    def close(self) -> None:
        """Stop everything."""
        self.stop_ours()
        _stop(self._rasa)
        self._redis.stop()


@contextlib.asynccontextmanager
async def bench_stack(
    root: Path, settings: Settings, rasa_replicas: int
) -> AsyncIterator[BenchStack]:
    """Everything but our processes running; the stand-in served from this process."""
    stack = BenchStack(root, settings)
    runner = web.AppRunner(create_standin_app(stack.standin), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stack.standin_url = f"http://127.0.0.1:{port}"
    try:
        await stack.prepare()
        await stack.start_rasa(rasa_replicas)
        yield stack
    finally:
        stack.close()
        await runner.cleanup()
