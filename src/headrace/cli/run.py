"""`headrace run`: start everything a config declares; stop gracefully on Ctrl-C/SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
from pathlib import Path
from typing import Any

import click

from headrace.cli.common import EXIT_RUNTIME, config_option, fail, load, pick_config
from headrace.errors import AwsError, HeadraceError

# Seconds a status write waits for another process's lock on state.sqlite3 (default 10).
STATUS_BUSY_ENV = "HEADRACE_STATUS_BUSY_TIMEOUT"


@click.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@config_option
@click.option("--until-drained", is_flag=True, help="Exit 0 once every source is empty.")
@click.option("--timeout", type=float, default=None, help="Exit 1 if not drained by then.")
@click.option("--port", type=int, default=4566, show_default=True, help="0: no endpoint.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
# docs/semantics.md: how long a status write waits for a lock on state.sqlite3 (an
# environment knob, mostly for tests; status writing is best effort either way).
@click.option(
    "--status-busy-timeout", type=float, default=None, envvar=STATUS_BUSY_ENV, hidden=True
)
def run(
    config: Path | None,
    config_flag: Path | None,
    until_drained: bool,
    timeout: float | None,
    port: int,
    verbose: bool,
    status_busy_timeout: float | None,
) -> None:
    """Start everything CONFIG declares and process until interrupted."""
    from headrace.api.server import EndpointUnavailable
    from headrace.app import App, RunOptions
    from headrace.logs import configure_logging

    configure_logging(verbose)
    cfg = load(pick_config(config, config_flag))
    app = App(cfg)
    options = RunOptions(until_drained=until_drained, timeout=timeout, port=port or None)
    if status_busy_timeout is not None:
        options = dataclasses.replace(options, status_busy_timeout=status_busy_timeout)
    try:
        result = asyncio.run(_run_with_signals(app, options))
    except EndpointUnavailable as exc:
        fail(str(exc))
    except AwsError as exc:
        fail(str(exc))
    except HeadraceError as exc:
        fail(str(exc), EXIT_RUNTIME)
    if result.timed_out:
        fail(f"not drained after {timeout:g} seconds", EXIT_RUNTIME)


async def _run_with_signals(app: Any, options: Any) -> Any:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop_on_signal, app, sig)
    return await app.run(options)


def _stop_on_signal(app: Any, sig: signal.Signals) -> None:
    # Say so: a long in-flight batch would otherwise look like a hang after Ctrl-C.
    logging.getLogger("headrace").info("%s: stopping; in-flight batches finish first", sig.name)
    app.stop()
