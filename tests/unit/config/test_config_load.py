"""Loading headrace.yaml: the file, the top level, paths, and ConfigError with every problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_docs import Loaded, Problems, Write, base_document

from headrace.config import load_config, read_config
from headrace.errors import ConfigError, ConfigProblem

# The example of design.md's "Config file" section, verbatim.
DESIGN_EXAMPLE = """\
region: us-east-1            # used in ARNs; default us-east-1
account: "000000000000"      # default
data_dir: .headrace          # embedded broker and state live here (SQLite)

queues:                      # embedded queues; attributes as in SQS CreateQueue
  orders:
    VisibilityTimeout: 30
    RedrivePolicy: {deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:orders-dlq",
                    maxReceiveCount: 3}
  orders-dlq: {}
  payments.fifo: {FifoQueue: true, ContentBasedDeduplication: true}

streams:                     # embedded streams, Kinesis semantics
  clicks: {ShardCount: 4, RetentionPeriodHours: 24}

tables:                      # embedded tables with change streams, DynamoDB semantics
  users:
    KeySchema: [{AttributeName: id, KeyType: HASH}]
    AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
    StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}

functions:                   # as AWS::Lambda::Function
  process-orders:
    Handler: orders.handler  # module.function, imported from CodeUri
    CodeUri: ./src
    Timeout: 5               # seconds, enforced
    MemorySize: 256          # MB, reported in the context
    ReservedConcurrentExecutions: 4
    Environment: {Variables: {STAGE: dev}}

event_source_mappings:       # fields as in CreateEventSourceMapping
  - FunctionName: process-orders
    EventSourceArn: arn:aws:sqs:us-east-1:000000000000:orders
    BatchSize: 10
    FunctionResponseTypes: [ReportBatchItemFailures]
  - FunctionName: process-orders
    EventSourceArn: arn:aws:kinesis:us-east-1:000000000000:stream/clicks
    StartingPosition: TRIM_HORIZON
    ParallelizationFactor: 10
    BisectBatchOnFunctionError: true
    MaximumRetryAttempts: 3
    DestinationConfig: {OnFailure: {Destination: "arn:aws:sqs:us-east-1:000000000000:orders-dlq"}}
"""


def test_design_example_loads(write: Write) -> None:
    """design: the documented example is a valid config."""
    config = load_config(write(DESIGN_EXAMPLE))
    assert sorted(config.queues) == ["orders", "orders-dlq", "payments.fifo"]
    assert [m.function_name for m in config.event_source_mappings] == ["process-orders"] * 2
    assert config.event_source_mappings[1].on_failure_destination == (
        "arn:aws:sqs:us-east-1:000000000000:orders-dlq"
    )


def test_relative_paths_resolve_against_the_files_folder(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """design: data_dir and CodeUri resolve against the config file's folder, not the cwd."""
    folder = workdir / "app"
    (folder / "src").mkdir(parents=True)
    (folder / "headrace.yaml").write_text(DESIGN_EXAMPLE)
    monkeypatch.chdir(workdir / "src")
    config = load_config(folder / "headrace.yaml")
    assert config.data_dir == folder / ".headrace"
    assert config.functions["process-orders"].code_uri == folder / "src"
    assert config.path == folder / "headrace.yaml"


def test_top_level_defaults(loaded: Loaded, workdir: Path) -> None:
    """design: region us-east-1, account 000000000000, data_dir .headrace, concurrency 10."""
    config = loaded({})
    assert (config.region, config.account) == ("us-east-1", "000000000000")
    assert config.data_dir == workdir / ".headrace"
    assert config.default_concurrency == 10
    assert config.endpoint_url is None


def test_empty_file_is_an_empty_config(loaded: Loaded) -> None:
    """design: an empty file declares nothing and is valid."""
    assert loaded("").event_source_mappings == ()


def test_missing_file(workdir: Path) -> None:
    """design: a missing file is one problem naming it."""
    with pytest.raises(ConfigError) as caught:
        load_config("nope.yaml")
    assert [str(p) for p in caught.value.errors] == [
        f"nope.yaml: FileNotFound: no such file: {Path('nope.yaml')}"
    ]


def test_yaml_syntax_error_names_the_line(problems: Problems) -> None:
    """design: a YAML syntax error names the file, the line and the column."""
    assert problems("queues:\n  orders: {VisibilityTimeout: 30\nfunctions: {}\n") == [
        "headrace.yaml: line 3, column 10: ValidationException: YAML not well-formed: "
        "expected ',' or '}', but got ':'"
    ]


def test_repeated_key_is_reported(problems: Problems) -> None:
    """design: a key given twice (YAML would keep the last) is a problem with both lines."""
    text = "queues:\n  orders: {}\n  orders: {DelaySeconds: 5}\n"
    assert problems(text) == [
        "headrace.yaml: line 3: ValidationException: duplicate key 'orders' (first at line 2); "
        "YAML would keep only the last one"
    ]


def test_merge_keys_may_override(loaded: Loaded) -> None:
    """design: a YAML merge (<<) followed by an override is not a repeated key."""
    text = (
        "queues:\n"
        "  base: &base {VisibilityTimeout: 30, DelaySeconds: 1}\n"
        "  orders: {<<: *base, DelaySeconds: 2}\n"
    )
    assert loaded(text).queues["orders"].delay_seconds == 2


def test_top_level_must_be_a_mapping(problems: Problems) -> None:
    """design: a file that is a list is named as such."""
    assert problems("- a\n- b\n") == [
        "headrace.yaml: ValidationException: expected a mapping at the top level, got list"
    ]


def test_misspelt_top_level_key(problems: Problems) -> None:
    """design: unknown top-level keys are rejected with the closest valid one."""
    assert problems({"queue": {}}) == [
        "headrace.yaml: queue: ValidationException: unknown key; did you mean queues?"
    ]


def test_unquoted_account_is_explained(problems: Problems) -> None:
    """design: YAML reads 000000000000 as the number 0; the problem says to quote it."""
    assert problems("account: 000000000000\n") == [
        "headrace.yaml: account: ValidationException: account must be a 12-digit string in "
        'quotes, e.g. account: "000000000000"; got 0'
    ]


def test_region_must_look_like_a_region(problems: Problems) -> None:
    """design: region is used in ARNs and must be an AWS region name."""
    assert problems({"region": "mars"}) == [
        "headrace.yaml: region: ValidationException: 'mars' is not an AWS region name such as "
        "us-east-1"
    ]


def test_default_concurrency_at_least_one(problems: Problems) -> None:
    """design: default_concurrency is an integer of at least 1."""
    assert problems({"default_concurrency": 0}) == [
        "headrace.yaml: default_concurrency: ValidationException: 1 validation error detected: "
        "Value '0' at 'default_concurrency' failed to satisfy constraint: Member must have "
        "value greater than or equal to 1"
    ]


def test_memory_is_enforced_unless_enforce_memory_is_false(loaded: Loaded) -> None:
    """headrace's enforce_memory (default true) reaches every function's config."""
    document = base_document()
    assert loaded(document).enforce_memory is True
    assert loaded(document).functions["f"].enforce_memory is True
    document["enforce_memory"] = False
    assert loaded(document).enforce_memory is False
    assert loaded(document).functions["f"].enforce_memory is False


def test_enforce_memory_is_a_boolean(problems: Problems) -> None:
    """enforce_memory takes true or false, nothing else."""
    assert problems({"enforce_memory": "no"}) == [
        "headrace.yaml: enforce_memory: ValidationException: 1 validation error detected: "
        "Value 'no' at 'enforce_memory' failed to satisfy constraint: Member must be a "
        "boolean, not a string"
    ]


def test_endpoint_url_is_kept(loaded: Loaded) -> None:
    """design: aws.endpoint_url points real-AWS ARNs at a compatible endpoint."""
    config = loaded({"aws": {"endpoint_url": "http://127.0.0.1:5000"}})
    assert config.endpoint_url == "http://127.0.0.1:5000"


def test_endpoint_url_must_be_http(problems: Problems) -> None:
    """design: aws.endpoint_url is an http(s) URL."""
    assert problems({"aws": {"endpoint_url": "localhost:5000"}}) == [
        "headrace.yaml: aws.endpoint_url: ValidationException: 'localhost:5000' is not an "
        "http:// or https:// URL"
    ]


def test_section_of_the_wrong_type(problems: Problems) -> None:
    """design: queues is a mapping of name to attributes."""
    assert problems({"queues": ["orders"]}) == [
        "headrace.yaml: queues: ValidationException: expected a mapping of name to settings, "
        "got list"
    ]


def test_mappings_must_be_a_list(problems: Problems) -> None:
    """design: event_source_mappings is a list."""
    assert problems({"event_source_mappings": {"FunctionName": "f"}}) == [
        "headrace.yaml: event_source_mappings: ValidationException: expected a list of "
        "mappings, got mapping"
    ]


def test_load_config_raises_with_every_problem(write: Write) -> None:
    """design: load_config raises ConfigError carrying every problem, not just the first."""
    write({"region": "mars", "default_concurrency": 0, "queues": {"q": {"DelaySeconds": -1}}})
    with pytest.raises(ConfigError) as caught:
        load_config("headrace.yaml")
    assert [p.location for p in caught.value.errors] == [
        "headrace.yaml: region",
        "headrace.yaml: default_concurrency",
        "headrace.yaml: queues.q: DelaySeconds",
    ]
    assert all(isinstance(p, ConfigProblem) for p in caught.value.errors)


def test_file_in_a_subfolder_is_named_by_its_relative_path(write: Write, workdir: Path) -> None:
    """design: problem locations name the file as seen from the working folder."""
    (workdir / "conf").mkdir()
    (workdir / "conf" / "dev.yaml").write_text("regoin: x\n")
    problems = [str(p) for p in read_config(Path("conf/dev.yaml")).problems]
    assert problems == [
        "conf/dev.yaml: regoin: ValidationException: unknown key; did you mean region?"
    ]


def test_base_document_is_valid(loaded: Loaded) -> None:
    """The shared test document has no problems (every other test relies on it)."""
    config = loaded(base_document())
    assert sorted(config.queues) == ["jobs.fifo", "orders", "orders-dlq"]


def test_partial_config_leaves_out_mappings_of_broken_entries(write: Write) -> None:
    """design: read_config's partial config never has a mapping pointing at a missing function."""
    document = base_document()
    document["functions"]["f"]["Timeout"] = 0
    document["event_source_mappings"] = [
        {"FunctionName": "f", "EventSourceArn": "arn:aws:sqs:us-east-1:111111111111:orders"}
    ]
    write(document)
    report = read_config("headrace.yaml")
    assert [p.location for p in report.problems] == ["headrace.yaml: functions.f: Timeout"]
    assert report.config is not None
    assert report.config.event_source_mappings == ()
