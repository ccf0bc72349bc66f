"""Load ``headrace.yaml``: read it, check everything, build the frozen :class:`Config`.

:func:`load_config` raises :class:`~headrace.errors.ConfigError` listing every problem;
:func:`read_config` returns the problems and a best-effort config (the entries that passed),
which ``headrace validate`` combines with :func:`~headrace.config.validate_files.validate_files`
through :func:`check_config`. Relative paths in the file (``data_dir``, ``CodeUri``) resolve
against the file's folder.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headrace.config.kinds import kind_for
from headrace.config.model import Config, EndpointAuth, EventSourceMappingConfig
from headrace.config.problems import (
    VALIDATION,
    Problems,
    Scope,
    check_keys,
    display_path,
    read_bool,
    read_int,
    read_section,
    read_str,
    type_name,
)
from headrace.config.quoting import clip, quoted
from headrace.config.validate_files import validate_files
from headrace.config.validate_functions import validate_functions
from headrace.config.validate_links import Declared
from headrace.config.validate_mappings import validate_mappings
from headrace.config.validate_queues import validate_queues
from headrace.config.validate_streams import validate_streams, validate_tables
from headrace.config.yaml_reader import read_yaml
from headrace.errors import ConfigError, ConfigProblem

__all__ = [
    "ConfigReport",
    "check_config",
    "load_config",
    "read_config",
    "validate_files",
]

# headrace.yaml's own top-level keys (design.md, "Config file").
TOP_LEVEL_KEYS = frozenset(
    {
        "region",
        "account",
        "data_dir",
        "default_concurrency",
        "enforce_memory",
        "auth",
        "aws",
        "queues",
        "streams",
        "tables",
        "functions",
        "event_source_mappings",
    }
)
# Region names as AWS forms them: us-east-1, eu-central-2, us-gov-west-1, ...
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
# AWS account ids are twelve digits.
ACCOUNT = re.compile(r"\d{12}")
# Where the embedded broker and state live unless data_dir says otherwise.
DEFAULT_DATA_DIR = ".headrace"


@dataclass(frozen=True, slots=True)
class ConfigReport:
    """What reading a config found: every problem, and the parts that passed.

    ``config`` is None when the file could not be read or parsed; otherwise it holds the
    entries without problems (so file checks can still run on them).
    """

    config: Config | None
    problems: tuple[ConfigProblem, ...]


def load_config(path: Path | str) -> Config:
    """Read, check and build a config; raise ConfigError listing every problem found."""
    report = read_config(path)
    if report.problems or report.config is None:
        raise ConfigError(list(report.problems))
    return report.config


def check_config(path: Path | str) -> list[ConfigProblem]:
    """Every problem ``headrace validate`` reports: the file's, then CodeUri and handler files."""
    report = read_config(path)
    problems = list(report.problems)
    if report.config is not None:
        problems.extend(validate_files(report.config))
    return problems


def read_config(path: Path | str) -> ConfigReport:
    """Read and check a config without raising; see :class:`ConfigReport`."""
    path = Path(path)
    label = display_path(path)
    document = read_yaml(path, label)
    if document.data is None and document.problems:
        return ConfigReport(None, document.problems)
    problems = Problems(file=label, found=list(document.problems))
    data = {} if document.data is None else document.data
    if not isinstance(data, Mapping):
        problems.at("").add(
            None, VALIDATION, f"expected a mapping at the top level, got {type_name(data)}"
        )
        return ConfigReport(None, tuple(problems.found))
    config = _build(problems, data, path)
    return ConfigReport(config, tuple(problems.found))


def _build(problems: Problems, data: Mapping[str, Any], path: Path) -> Config:
    base_dir = path.resolve().parent
    top = problems.at("")
    check_keys(top, data, TOP_LEVEL_KEYS)
    config = _top_level(top, data, path, base_dir)
    sections = {
        key: _section(top, data, key) for key in ("queues", "streams", "tables", "functions")
    }
    config = dataclasses.replace(
        config,
        queues=validate_queues(problems, sections["queues"], config.region, config.account),
        streams=validate_streams(problems, sections["streams"]),
        tables=validate_tables(problems, sections["tables"]),
        functions=validate_functions(
            problems, sections["functions"], base_dir, enforce_memory=config.enforce_memory
        ),
    )
    declared = Declared(
        config=config,
        queues=frozenset(sections["queues"]),
        streams=frozenset(sections["streams"]),
        tables=frozenset(sections["tables"]),
        functions=frozenset(sections["functions"]),
    )
    mappings = validate_mappings(problems, _mapping_list(top, data), declared)
    # A mapping of a function or embedded source that has problems of its own passes its
    # own checks; leave it out so the config's mappings always point into the config.
    usable = tuple(m for m in mappings if _points_into(config, m))
    return dataclasses.replace(config, event_source_mappings=usable)


def _points_into(config: Config, mapping: EventSourceMappingConfig) -> bool:
    if mapping.function_name not in config.functions:
        return False
    kind = kind_for(config, mapping)
    return kind is None or kind.built(config, mapping.event_source_arn)


def _top_level(top: Scope, data: Mapping[str, Any], path: Path, base_dir: Path) -> Config:
    """region, account, data_dir, default_concurrency, enforce_memory and aws.endpoint_url."""
    region = read_str(top, data, "region")
    if region is not None and not REGION.fullmatch(region):
        top.add(
            "region", VALIDATION, f"'{clip(region)}' is not an AWS region name such as us-east-1"
        )
    account = _account(top, data)
    data_dir = read_str(top, data, "data_dir")
    settings: dict[str, Any] = {
        "path": path.resolve(),
        "data_dir": (base_dir / (data_dir or DEFAULT_DATA_DIR)).resolve(),
        "endpoint_url": _endpoint_url(top, data),
        "auth": _auth(top, data),
    }
    if region is not None and REGION.fullmatch(region):
        settings["region"] = region
    if account is not None:
        settings["account"] = account
    concurrency = read_int(top, data, "default_concurrency", 1)
    if concurrency is not None:
        settings["default_concurrency"] = concurrency
    enforce_memory = read_bool(top, data, "enforce_memory")
    if enforce_memory is not None:
        settings["enforce_memory"] = enforce_memory
    return Config(**settings)


def _account(top: Scope, data: Mapping[str, Any]) -> str | None:
    value = data.get("account")
    if value is None:
        return None
    if isinstance(value, str) and ACCOUNT.fullmatch(value):
        return value
    message = (
        'account must be a 12-digit string in quotes, e.g. account: "000000000000"; '
        f"got {quoted(value)}"
    )
    top.add("account", VALIDATION, message)
    return None


def _endpoint_url(top: Scope, data: Mapping[str, Any]) -> str | None:
    section = read_section(top, data, "aws", ("endpoint_url",))
    if section is None:
        return None
    where, aws = section
    url = read_str(where, aws, "endpoint_url")
    if url is not None and not url.startswith(("http://", "https://")):
        where.add("endpoint_url", VALIDATION, f"'{clip(url)}' is not an http:// or https:// URL")
        return None
    return url


def _auth(top: Scope, data: Mapping[str, Any]) -> EndpointAuth | None:
    """``auth: {access_key_id, secret_access_key}``: the endpoint's credentials, both needed."""
    section = read_section(top, data, "auth", ("access_key_id", "secret_access_key"))
    if section is None:
        return None
    where, auth = section
    key_id = read_str(where, auth, "access_key_id")
    secret = read_str(where, auth, "secret_access_key")
    for name, value in (("access_key_id", key_id), ("secret_access_key", secret)):
        if name not in auth:
            where.add(name, VALIDATION, "is required when auth is given")
        elif value is not None and not value:
            where.add(name, VALIDATION, "must not be empty")
    if not key_id or not secret:
        return None
    return EndpointAuth(key_id, secret)


def _section(top: Scope, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A name → settings section; null is empty; anything but a mapping is a problem."""
    value = data.get(key)
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(name): settings for name, settings in value.items()}
    top.add(key, VALIDATION, f"expected a mapping of name to settings, got {type_name(value)}")
    return {}


def _mapping_list(top: Scope, data: Mapping[str, Any]) -> list[Any]:
    value = data.get("event_source_mappings")
    if value is None:
        return []
    if isinstance(value, list):
        return value
    top.add(
        "event_source_mappings", VALIDATION, f"expected a list of mappings, got {type_name(value)}"
    )
    return []
