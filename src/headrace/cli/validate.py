"""`headrace validate`: every problem of a config and its handler files, at once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from headrace.cli.common import (
    DEFAULT_CONFIG,
    EXIT_BAD_INPUT,
    config_option,
    load,
    pick_config,
)


@click.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@config_option
def validate(config: Path | None, config_flag: Path | None) -> None:
    """Check a config and its handler files; exit 2 with every error found."""
    from headrace.config.load import check_config

    path = pick_config(config, config_flag) or Path(DEFAULT_CONFIG)
    problems = check_config(path)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(EXIT_BAD_INPUT)
    cfg = load(path)
    click.echo(
        f"{path}: ok ({len(cfg.queues)} queues, {len(cfg.functions)} functions, "
        f"{len(cfg.event_source_mappings)} event source mappings)"
    )
