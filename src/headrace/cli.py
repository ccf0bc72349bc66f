"""The `headrace` command: run, send, status, dlq, validate (design.md's contract).

Exit codes: 0 ok, 1 runtime failure, 2 bad input (config or arguments). Every command takes
``-c/--config FILE`` after its name; run, status and validate also take it as an argument.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from headrace.config.model import Config
from headrace.errors import AwsError, ConfigError, HeadraceError

DEFAULT_CONFIG = "headrace.yaml"
EXIT_RUNTIME = 1
EXIT_BAD_INPUT = 2

F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    return click.option(
        "-c",
        "--config",
        "config_flag",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Config file (default ./{DEFAULT_CONFIG}).",
    )(func)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    click.echo(f"headrace: {message}", err=True)
    sys.exit(code)


def load(path: Path | None) -> Config:
    """Load and validate a config; bad input exits 2 with every problem listed."""
    from headrace.config.load import load_config

    try:
        return load_config(path or Path(DEFAULT_CONFIG))
    except ConfigError as exc:
        for problem in exc.errors:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_BAD_INPUT)


def pick_config(argument: Path | None, flag: Path | None) -> Path | None:
    if argument is not None and flag is not None and argument != flag:
        fail("give the config either as an argument or with -c/--config, not both")
    return flag or argument


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="headrace")
def main() -> None:
    """Run AWS Lambda event source mappings anywhere."""


@main.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@config_option
@click.option("--until-drained", is_flag=True, help="Exit 0 once every source is empty.")
@click.option("--timeout", type=float, default=None, help="Exit 1 if not drained by then.")
@click.option("--port", type=int, default=4566, show_default=True, help="0: no endpoint.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
def run(
    config: Path | None,
    config_flag: Path | None,
    until_drained: bool,
    timeout: float | None,
    port: int,
    verbose: bool,
) -> None:
    """Start everything CONFIG declares and process until interrupted."""
    from headrace.api.server import EndpointUnavailable
    from headrace.app import App, RunOptions
    from headrace.logs import configure_logging

    configure_logging(verbose)
    cfg = load(pick_config(config, config_flag))
    app = App(cfg)
    options = RunOptions(until_drained=until_drained, timeout=timeout, port=port or None)
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


from headrace.cli_commands import dlq, send, status, validate  # noqa: E402

main.add_command(send)
main.add_command(status)
main.add_command(dlq)
main.add_command(validate)

from headrace.cli_streams import put, table  # noqa: E402

main.add_command(put)
main.add_command(table)
