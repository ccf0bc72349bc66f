"""What every `headrace` command shares: the -c/--config option, loading, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from headrace.broker.queues import QueueBroker
from headrace.config.model import Config
from headrace.errors import AwsError, ConfigError, HeadraceError

# design.md: the default config file and the exit codes of every command.
DEFAULT_CONFIG = "headrace.yaml"
EXIT_RUNTIME = 1
EXIT_BAD_INPUT = 2

F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    """Add ``-c/--config FILE`` (design.md: every command takes it after its name)."""
    return click.option(
        "-c",
        "--config",
        "config_flag",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Config file (default ./{DEFAULT_CONFIG}).",
    )(func)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``headrace: message`` on stderr and exit with ``code``."""
    click.echo(f"headrace: {message}", err=True)
    sys.exit(code)


@contextmanager
def aws_errors() -> Iterator[None]:
    """AWS errors and unusable input exit 2; storage failures (a busy, truncated or
    unreadable data_dir file) exit 1, each as one ``headrace: ...`` line."""
    try:
        yield
    except AwsError as exc:
        fail(str(exc))
    except HeadraceError as exc:
        fail(str(exc), EXIT_RUNTIME)


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
    """The config given as an argument or with -c (not both, unless they agree)."""
    if argument is not None and flag is not None and argument != flag:
        fail("give the config either as an argument or with -c/--config, not both")
    return flag or argument


def open_queue_broker(config: Config) -> QueueBroker:
    """The config's embedded queues, opened straight from its data_dir (no engine needed)."""
    return QueueBroker(
        config.data_dir / "broker.sqlite3",
        config.queues,
        region=config.region,
        account=config.account,
    )
