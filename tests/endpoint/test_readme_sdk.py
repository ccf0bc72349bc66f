"""The README's "Use your AWS SDK" section works as written: its boto3 example, run with
the environment it tells users to set, creates a queue and a mapping that delivers."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from endpoint_support import running_headrace

README = Path(__file__).resolve().parents[2] / "README.md"
HANDLER = """
import json, os

def handle(event, context):
    with open(os.environ["LOG"], "a") as log:
        for record in event["Records"]:
            log.write(record["body"] + "\\n")
"""


def section() -> str:
    text = README.read_text()
    start = text.index("## Use your AWS SDK")
    return text[start : text.index("\n## ", start + 1)]


def environment(url: str) -> dict[str, str]:
    """The variables the section's first shell block exports, aimed at ``url``."""
    block = re.search(r"```sh\n(.*?)```", section(), re.S)
    assert block is not None
    found = dict(re.findall(r"(AWS_[A-Z_]+)=(\S+)", block.group(1)))
    assert set(found) >= {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION"}
    found["AWS_ENDPOINT_URL"] = url  # the test's endpoint listens on an OS-picked port
    return found


async def test_the_readme_boto3_example_delivers(tmp_path: Path) -> None:
    """The example's message reaches the function through the mapping it creates."""
    example = re.search(r"```python\n(.*?)```", section(), re.S)
    assert example is not None
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "h.py").write_text(HANDLER)
    log = tmp_path / "log.txt"
    function = {
        "Handler": "h.handle",
        "CodeUri": "./src",
        "Environment": {"Variables": {"LOG": str(log)}},
    }
    async with running_headrace(tmp_path, {"functions": {"process-orders": function}}) as running:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | environment(
            running.url
        )
        script = tmp_path / "example.py"
        script.write_text(example.group(1))
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, str(script)], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        for _ in range(600):
            if log.exists() and log.read_text():
                break
            await asyncio.sleep(0.05)
        assert [json.loads(line) for line in log.read_text().splitlines()] == [{"id": 1}]
