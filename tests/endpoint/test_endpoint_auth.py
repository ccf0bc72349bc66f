"""Beyond loopback the endpoint checks every AWS request's SigV4 signature; without
credentials it refuses to start (design.md, "The run endpoint speaks AWS", Security)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import ClientSession
from click.testing import CliRunner
from endpoint_support import boto_client, running_headrace, write_config

from headrace.api.endpoint_errors import EndpointUnguarded
from headrace.app import App, RunOptions
from headrace.cli import main
from headrace.config.load import load_config

AUTH = {"access_key_id": "AKIDHEADRACE", "secret_access_key": "s3cret"}


def error_of(client_call: object) -> tuple[int, str]:
    try:
        client_call()  # type: ignore[operator]
    except Exception as error:  # botocore's ClientError
        response = error.response  # type: ignore[attr-defined]
        return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]
    raise AssertionError("the call did not fail")


async def test_signed_requests_pass_and_others_are_refused_with_403(tmp_path: Path) -> None:
    """Bound to 0.0.0.0 with auth: the right keys get past the check (here to an unknown
    operation), a wrong secret is InvalidSignatureException, an unknown key
    UnrecognizedClientException; /metrics stays readable without keys."""
    async with running_headrace(tmp_path, {"auth": AUTH}, host="0.0.0.0") as running:

        def lambda_client(key: str, secret: str) -> object:
            return boto_client("lambda", running.url, key=key, secret=secret)

        right = lambda_client("AKIDHEADRACE", "s3cret")
        wrong_secret = lambda_client("AKIDHEADRACE", "guess")
        unknown_key = lambda_client("AKIDOTHER", "s3cret")
        assert await asyncio.to_thread(error_of, lambda: right.get_account_settings()) == (  # type: ignore[attr-defined]
            400,
            "UnknownOperationException",
        )
        assert await asyncio.to_thread(
            error_of,
            lambda: wrong_secret.get_account_settings(),  # type: ignore[attr-defined]
        ) == (403, "InvalidSignatureException")
        assert await asyncio.to_thread(
            error_of,
            lambda: unknown_key.get_account_settings(),  # type: ignore[attr-defined]
        ) == (403, "UnrecognizedClientException")
        async with ClientSession() as http:
            metrics = await http.get(f"{running.url}/metrics")
        assert metrics.status == 200


async def test_beyond_loopback_without_credentials_the_run_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No auth in the file and none in the environment: EndpointUnguarded, naming both
    ways to give credentials; nothing is started."""
    monkeypatch.delenv("HEADRACE_ACCESS_KEY_ID", raising=False)
    app = App(load_config(write_config(tmp_path, {})))
    with pytest.raises(EndpointUnguarded, match="HEADRACE_ACCESS_KEY_ID"):
        await app.run(RunOptions(port=0, host="0.0.0.0"))
    assert app.engine is None


async def test_credentials_from_the_environment_guard_the_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HEADRACE_ACCESS_KEY_ID / HEADRACE_SECRET_ACCESS_KEY stand in for auth:."""
    monkeypatch.setenv("HEADRACE_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("HEADRACE_SECRET_ACCESS_KEY", "envsecret")
    async with running_headrace(tmp_path, {}, host="0.0.0.0") as running:
        client = boto_client("lambda", running.url)
        status, code = await asyncio.to_thread(error_of, client.get_account_settings)
    assert (status, code) == (403, "UnrecognizedClientException")


def test_the_cli_exits_2_for_an_unguarded_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`headrace run --host 0.0.0.0` without credentials is bad input: exit 2."""
    monkeypatch.delenv("HEADRACE_ACCESS_KEY_ID", raising=False)
    path = write_config(tmp_path, {})
    result = CliRunner().invoke(main, ["run", str(path), "--host", "0.0.0.0"])
    assert result.exit_code == 2, result.output
    assert "not a loopback address" in result.output


def test_auth_needs_both_keys(tmp_path: Path) -> None:
    """A half-given auth: block is a config problem naming the missing key."""
    from headrace.config.load import check_config

    path = write_config(tmp_path, {"auth": {"access_key_id": "AKID"}})
    problems = [str(p) for p in check_config(path)]
    assert any("auth.secret_access_key" in p and "required" in p for p in problems), problems
