"""The endpoint of a real ``headrace run`` answers AWS requests beside /metrics and /status."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import ClientSession
from endpoint_support import running_headrace


async def test_aws_requests_reach_the_aws_handler_and_metrics_stay_served(
    tmp_path: Path,
) -> None:
    """An operation no service serves yet is an AWS-shaped 400, not aiohttp's 404, while
    /metrics and /status answer as before."""
    async with running_headrace(tmp_path, {"queues": {"orders": {}}}) as running:
        async with ClientSession() as http:
            metrics = await http.get(f"{running.url}/metrics")
            status = await http.get(f"{running.url}/status")
            lam = await http.get(f"{running.url}/2015-03-31/functions/nope/policy")
            body = await lam.json(content_type=None)
        assert metrics.status == 200
        assert status.status == 200
        assert lam.status == 400
        # Lambda (REST-JSON) names the error in x-amzn-ErrorType (GetPolicy is not served).
        error_type = lam.headers.get("x-amzn-ErrorType", "")
        assert "UnknownOperationException" in str(body) + error_type
        await asyncio.sleep(0)
