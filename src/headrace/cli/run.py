"""`headrace run`: start everything a config declares; stop gracefully on Ctrl-C/SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
from pathlib import Path
from typing import Any

import click

from headrace.cli.common import (
    EXIT_RUNTIME,
    Seconds,
    check_data_dir,
    cli_errors,
    config_option,
    fail,
    load,
    pick_config,
)

# Seconds a status write waits for another process's lock on state.sqlite3 (default 10).
STATUS_BUSY_ENV = "HEADRACE_STATUS_BUSY_TIMEOUT"
# A forced stop exits as the shell reports death by a signal: 128 + its number (130 for
# SIGINT, 143 for SIGTERM), so scripts see the run was interrupted.
EXIT_SIGNAL_BASE = 128

log = logging.getLogger("headrace")


@click.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@config_option
@click.option("--until-drained", is_flag=True, help="Exit 0 once every source is empty.")
@click.option("--timeout", type=Seconds(), default=None, help="Exit 1 if not drained by then.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=4566, show_default=True, help="0: no endpoint."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The endpoint's address; beyond loopback, requests must be signed with auth's keys.",
)
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
    host: str,
    verbose: bool,
    status_busy_timeout: float | None,
) -> None:
    """Start everything CONFIG declares and process until interrupted."""
    from headrace.api.endpoint_errors import EndpointUnavailable
    from headrace.app import App, RunOptions
    from headrace.logs import configure_logging

    configure_logging(verbose)
    cfg = load(pick_config(config, config_flag))
    check_data_dir(cfg)
    app = App(cfg)
    options = RunOptions(until_drained=until_drained, timeout=timeout, port=port or None, host=host)
    if status_busy_timeout is not None:
        options = dataclasses.replace(options, status_busy_timeout=status_busy_timeout)
    signals = StopSignals(app)
    with cli_errors():
        try:
            result = asyncio.run(signals.run(options))
        except EndpointUnavailable as exc:
            fail(str(exc))  # a port in use is bad input, though not an AWS error
    forced = signals.forced_by
    if forced is not None:
        fail(
            f"stopped by a second {forced.name}; in-flight batches returned to their source",
            EXIT_SIGNAL_BASE + forced,
        )
    if result is not None and result.timed_out:
        fail(f"not drained after {timeout:g} seconds", EXIT_RUNTIME)


class StopSignals:
    """Ctrl-C and SIGTERM during a run: the first stops gracefully, the second forces it.

    Graceful: no new batches, in-flight ones finish; exit 0. Forced: in-flight invocations
    are cancelled (workers killed) and their records return to their source (queue
    messages visible at once, stream records unsettled, so not checkpointed); the exit
    code is the shell's for death by that signal. A forced stop while still starting
    abandons the start.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.received: list[signal.Signals] = []
        self._main: asyncio.Task[Any] | None = None

    @property
    def forced_by(self) -> signal.Signals | None:
        """The signal that forced the stop, if one did."""
        return self.received[1] if len(self.received) > 1 else None

    async def run(self, options: Any) -> Any:
        """Run the app with the handlers installed; None if a forced stop cut the start."""
        self._main = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.on_signal, sig)
        try:
            return await self.app.run(options)
        except asyncio.CancelledError:
            if self.forced_by is None:
                raise
            return None

    def on_signal(self, sig: signal.Signals) -> None:
        self.received.append(sig)
        if len(self.received) == 1:
            # Say so: a long in-flight batch would otherwise look like a hang after Ctrl-C.
            log.info("%s: stopping; in-flight batches finish first (again to force)", sig.name)
            self.app.stop()
        elif len(self.received) == 2:
            log.warning("%s again: forcing the stop; in-flight batches go back", sig.name)
            self.app.stop(force=True)
            if self.app.engine is None and self._main is not None:
                self._main.cancel()  # still starting (connecting to AWS, say): give up
