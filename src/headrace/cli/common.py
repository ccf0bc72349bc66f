"""What every `headrace` command shares: the -c/--config option, loading, exit codes.

Failures reach the user as one line, ``headrace: <cause>``, never a traceback: bad input
(arguments, config, AWS's validation errors) exits 2, a runtime failure (storage that
cannot be opened or written: a corrupt file, a full disk, a read-only folder) exits 1.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from headrace.broker.queue_broker import QueueBroker
from headrace.config.model import Config
from headrace.errors import AwsError, ConfigError, HeadraceError

# design.md: the default config file and the exit codes of every command.
DEFAULT_CONFIG = "headrace.yaml"
EXIT_RUNTIME = 1
EXIT_BAD_INPUT = 2

F = TypeVar("F", bound=Callable[..., Any])


class OneLineErrors(click.Group):
    """The command group: click's usage errors read like every other error, one line.

    ``headrace dlq q --limit -1`` prints ``headrace: dlq: Invalid value for '--limit': ...
    (see 'headrace dlq -h')`` and exits 2, instead of click's usage block. ``headrace`` alone
    still prints the help.
    """

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            fail(_usage_line(exc), exc.exit_code)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            fail("aborted", EXIT_RUNTIME)
        except BrokenPipeError:
            # The reader went away (`headrace status | head -1`): stop quietly, as click does.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_RUNTIME)
        sys.exit(code if isinstance(code, int) else 0)


def _usage_line(exc: click.UsageError) -> str:
    """``dlq: Invalid value for '--limit': ... (see 'headrace dlq -h')``."""
    path = exc.ctx.command_path if exc.ctx is not None else "headrace"
    _, _, command = path.partition(" ")
    where = f"{command}: " if command else ""
    return f"{where}{exc.format_message()} (see '{path} -h')"


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
def cli_errors() -> Iterator[None]:
    """AWS's errors exit 2; storage failures (headrace's or the OS's) exit 1; one line each."""
    try:
        yield
    except AwsError as exc:
        fail(str(exc))
    except HeadraceError as exc:
        fail(str(exc), EXIT_RUNTIME)
    except OSError as exc:
        fail(describe_os_error(exc), EXIT_RUNTIME)


def describe_os_error(exc: OSError) -> str:
    """``/data/broker.sqlite3: No space left on device`` (the file, then the OS's words)."""
    if exc.filename is None or exc.strerror is None:
        return str(exc)
    return f"{exc.filename}: {exc.strerror}"


def check_data_dir(config: Config) -> None:
    """Exit 2 if ``data_dir``, or a folder above it, exists but is not a folder."""
    path = config.data_dir
    while not path.exists() and path != path.parent:
        path = path.parent
    if path.exists() and not path.is_dir():
        where = "" if path == config.data_dir else f" ({path} is a file)"
        fail(f"data_dir {config.data_dir} is not a folder{where}; point data_dir at a folder")


def utf8_argument(text: str, what: str) -> str:
    """An argument that must be text: exit 2 if the shell passed bytes that are not UTF-8."""
    return utf8(os.fsencode(text), what)


def utf8(data: bytes, what: str) -> str:
    """``data`` decoded as UTF-8; exit 2 naming ``what`` and the first bad byte if it is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"{what} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")


class Seconds(click.ParamType[float]):
    """A finite number of seconds, at least 0 (``nan`` and ``inf`` are refused)."""

    name = "seconds"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds < 0:
            self.fail(f"{value!r} is not a finite number of seconds >= 0", param, ctx)
        return seconds


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
    check_data_dir(config)
    return QueueBroker(
        config.data_dir / "broker.sqlite3",
        config.queues,
        region=config.region,
        account=config.account,
    )
