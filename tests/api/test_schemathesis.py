"""Schemathesis against the API's own OpenAPI document, as an administrator: generated
valid and invalid requests for every operation, including the stateful ones (create, draft,
submit, publish, roll back). No server error, every answer in the documented shape."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from tests.api.conftest import AdminSite, Staff

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
RUN_SECONDS = 600


async def test_the_api_holds_to_its_openapi_document(
    site: AdminSite, staff: dict[str, Staff], tmp_path: Path
) -> None:
    admin = staff["admin"]
    assert SCHEMATHESIS.exists() or shutil.which("schemathesis"), "schemathesis is a dev dependency"
    # Credentials through the document's own security schemes, so that schemathesis also
    # checks that requests without them are refused.
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f'[auth.openapi.session]\napi_key = "{admin.cookie}"\n'
        f'[auth.openapi.csrf]\napi_key = "{admin.csrf}"\n'
    )
    command = [
        str(SCHEMATHESIS),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{site.base_url}/api/openapi.json",
        "--max-examples",
        "40",
        "--seed",
        "7",
        "--generation-deterministic",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,  # its .schemathesis cache stays out of the repository
    )
    output, _ = await asyncio.wait_for(process.communicate(), RUN_SECONDS)
    text = output.decode(errors="replace")
    (tmp_path / "schemathesis.txt").write_text(text)
    print(text[-3000:])
    assert process.returncode == 0, text[-20000:]
    assert "No issues found" in text or " passed" in text
