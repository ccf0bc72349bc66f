"""The `headrace` command (design.md's contract).

Exit codes: 0 ok, 1 runtime failure, 2 bad input (config or arguments). Every command takes
``-c/--config FILE`` after its name; run, status and validate also take it as an argument.
"""

from __future__ import annotations

import click

from headrace.cli.common import OneLineErrors
from headrace.cli.queues import dlq, send
from headrace.cli.run import run
from headrace.cli.status import status
from headrace.cli.streams import put, table
from headrace.cli.validate import validate


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="headrace")
def main() -> None:
    """Run AWS Lambda event source mappings anywhere."""


for command in (run, send, put, table, status, dlq, validate):
    main.add_command(command)

__all__ = ["main"]
