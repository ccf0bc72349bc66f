"""Fixtures shared by test folders: moto's server for the tests of real AWS sources.

Nothing here is autouse: moto starts only when a test asks for ``moto_endpoint``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from moto_fixes import fix_fifo_receives

# Dummy credentials for the whole session: botocore's chain finds them first, and nothing a
# developer has configured (profiles, SSO, a real endpoint) leaks into the tests.
MOTO_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/headrace-tests/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/headrace-tests/aws-credentials",
}
# Variables that would point botocore elsewhere than at moto.
MOTO_UNSET = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS")
# moto's default account: the ARNs of queues created on moto carry it.
MOTO_ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1 (a free port), with dummy credentials set; its URL.

    Skips when moto is not installed, except in CI (``CI=true``), where that fails.
    """
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("moto[server] is not installed: CI must run the AWS tests")
        pytest.skip("moto[server] is not installed (pip install -e '.[dev]')")
    patch = pytest.MonkeyPatch()
    for name, value in MOTO_ENVIRONMENT.items():
        patch.setenv(name, value)
    for name in MOTO_UNSET:
        patch.delenv(name, raising=False)
    # moto's FIFO receives race and spin (tests/moto_fixes.py); real SQS does neither.
    fix_fifo_receives(patch)
    # One request log line per call would bury a failure's output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        patch.undo()
