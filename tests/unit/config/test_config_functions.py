"""The functions: section: AWS::Lambda::Function fields with Lambda's ranges and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from config_docs import Loaded, Problems, base_document

AT = "headrace.yaml: functions.f"


def with_function(**fields: Any) -> dict[str, Any]:
    document = base_document()
    document["functions"]["f"] = {"Handler": "orders.handler", "CodeUri": "src", **fields}
    return document


def test_handler_is_required(problems: Problems) -> None:
    """design: Handler is required (Lambda's must-not-be-null text)."""
    document = base_document()
    document["functions"]["f"] = {"CodeUri": "src"}
    assert problems(document) == [
        f"{AT}: Handler: InvalidParameterValueException: 1 validation error detected: Value "
        "null at 'handler' failed to satisfy constraint: Member must not be null."
    ]


@pytest.mark.parametrize(
    "handler",
    [
        "orders",  # no dot: the runtime's Runtime.MalformedHandlerName
        "orders.",
        ".handler",
        "pkg..orders.handler",
        "/abs/orders.handler",
        "orders.handler-v2",  # no def has that name: Runtime.HandlerNotFound
        "orders.pkg/handler",
    ],
)
def test_handler_must_be_module_dot_function(problems: Problems, handler: str) -> None:
    """design: Handler reads module.function, split at the last dot as Lambda's runtime does."""
    assert problems(with_function(Handler=handler)) == [
        f"{AT}: Handler: InvalidParameterValueException: Handler '{handler}' is not of the form "
        "module.function (for example orders.handler, pkg.orders.handler or "
        "src/kinesis-consumer-fn.handler)."
    ]


@pytest.mark.parametrize(
    "handler",
    [
        "pkg.orders.handler",
        "pkg/orders.handler",
        "kinesis-consumer-fn.lambda_handler",
        "dir/sub-mod.handler",
        "src/2024-jobs.v2.run",
    ],
)
def test_every_handler_lambdas_runtime_loads_is_accepted(loaded: Loaded, handler: str) -> None:
    """design: any file name Lambda's runtime imports, hyphens and folders included."""
    assert loaded(with_function(Handler=handler)).functions["f"].handler == handler


def test_handler_with_whitespace_is_lambdas_pattern_error(problems: Problems) -> None:
    """Lambda's API refuses a Handler with whitespace (pattern [^\\s]+)."""
    assert problems(with_function(Handler="my orders.handler")) == [
        f"{AT}: Handler: ValidationException: 1 validation error detected: Value 'my "
        "orders.handler' at 'handler' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: [^\\s]+"
    ]


def test_handler_in_a_built_in_module_is_refused_as_the_runtime_does(problems: Problems) -> None:
    """awslambdaric refuses a handler module named like a built-in one (time, sys, ...)."""
    assert problems(with_function(Handler="time.handler")) == [
        f"{AT}: Handler: Runtime.BuiltInModuleConflict: Cannot use built-in module time as a "
        "handler module"
    ]


@pytest.mark.parametrize(
    ("field", "value", "member", "constraint"),
    [
        ("Timeout", 0, "timeout", "greater than or equal to 1"),
        ("Timeout", 901, "timeout", "less than or equal to 900"),
        ("MemorySize", 127, "memorySize", "greater than or equal to 128"),
        ("MemorySize", 10_241, "memorySize", "less than or equal to 10240"),
        (
            "ReservedConcurrentExecutions",
            -1,
            "reservedConcurrentExecutions",
            "greater than or equal to 0",
        ),
    ],
)
def test_function_ranges(
    problems: Problems, field: str, value: int, member: str, constraint: str
) -> None:
    """§9.8: Timeout 1-900, MemorySize 128-10240, ReservedConcurrentExecutions >= 0."""
    assert problems(with_function(**{field: value})) == [
        f"{AT}: {field}: ValidationException: 1 validation error detected: Value '{value}' at "
        f"'{member}' failed to satisfy constraint: Member must have value {constraint}"
    ]


def test_defaults_are_lambda_defaults(loaded: Loaded) -> None:
    """design: Timeout defaults to 3 s and MemorySize to 128 MB, as on Lambda."""
    document = base_document()
    document["functions"]["f"] = {"Handler": "orders.handler"}
    function = loaded(document).functions["f"]
    assert (function.timeout, function.memory_size) == (3, 128)
    assert function.reserved_concurrent_executions is None


def test_code_uri_resolves_against_the_file(loaded: Loaded, workdir: Path) -> None:
    """design: a relative CodeUri resolves against the config file's folder."""
    assert loaded(with_function(CodeUri="./src")).functions["f"].code_uri == workdir / "src"


def test_code_uri_defaults_to_the_files_folder(loaded: Loaded, workdir: Path) -> None:
    """design: without CodeUri, handlers are imported from the config file's folder."""
    document = base_document()
    document["functions"]["f"] = {"Handler": "orders.handler"}
    assert loaded(document).functions["f"].code_uri == workdir


def test_code_uri_in_s3_is_rejected(problems: Problems) -> None:
    """design: CodeUri is a local folder; an S3 URI says so."""
    assert problems(with_function(CodeUri="s3://bucket/code.zip")) == [
        f"{AT}: CodeUri: InvalidParameterValueException: CodeUri 's3://bucket/code.zip' is not "
        "a local folder; headrace runs handlers from a folder on this machine (relative paths "
        "resolve against the config file's folder)."
    ]


def test_environment_variables_are_kept(loaded: Loaded) -> None:
    """design: Environment.Variables reach the function."""
    document = with_function(Environment={"Variables": {"STAGE": "dev"}})
    assert dict(loaded(document).functions["f"].environment) == {"STAGE": "dev"}


def test_environment_value_must_be_a_string(problems: Problems) -> None:
    """design (chosen): values are strings, as Lambda's API takes them; YAML numbers are not."""
    assert problems(with_function(Environment={"Variables": {"RETRIES": 3}})) == [
        f"{AT}: Environment.Variables.RETRIES: ValidationException: Environment variable values "
        'must be strings, got integer; quote it: RETRIES: "3"'
    ]


def test_environment_variable_name(problems: Problems) -> None:
    """Lambda: variable names match [a-zA-Z]([a-zA-Z0-9_])+."""
    assert problems(with_function(Environment={"Variables": {"1ST": "x"}})) == [
        f"{AT}: Environment.Variables: ValidationException: 1 validation error detected: Value "
        "'[1ST]' at 'environment.variables' failed to satisfy constraint: Map keys must satisfy "
        "constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    ]


def test_reserved_environment_variable(problems: Problems) -> None:
    """Lambda: variables the runtime sets (AWS_REGION, ...) cannot be set."""
    assert problems(with_function(Environment={"Variables": {"AWS_REGION": "x"}})) == [
        f"{AT}: Environment.Variables: InvalidParameterValueException: Lambda was unable to "
        "configure your environment variables because the environment variables you have "
        "provided contains reserved keys that are currently not supported for modification. "
        "Reserved keys used in this request: AWS_REGION"
    ]


def test_function_name_characters(problems: Problems) -> None:
    """Lambda: function names are 1-64 letters, digits, hyphens and underscores."""
    document = base_document()
    document["functions"]["my fn"] = {"Handler": "orders.handler"}
    assert problems(document) == [
        "headrace.yaml: functions.my fn: ValidationException: 1 validation error detected: "
        "Value 'my fn' at 'functionName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [a-zA-Z0-9_-]{1,64}"
    ]


def test_unused_lambda_keys_are_accepted(loaded: Loaded) -> None:
    """design: keys of AWS::Lambda::Function headrace does not use are accepted."""
    document = with_function(Runtime="python3.12", Layers=["arn:aws:lambda:layer"])
    assert loaded(document).functions["f"].handler == "orders.handler"


def test_role_is_kept(loaded: Loaded) -> None:
    """design: Role is kept (it becomes the invokeIdentityArn)."""
    role = "arn:aws:iam::111111111111:role/r"
    assert loaded(with_function(Role=role)).functions["f"].role == role


def test_misspelt_function_key(problems: Problems) -> None:
    """design: an unknown key is rejected with the closest valid name."""
    assert problems(with_function(Timout=5)) == [
        f"{AT}: Timout: ValidationException: unknown key; did you mean Timeout?"
    ]


@pytest.mark.parametrize("runtime", ["python3.12", "nodejs20.x", "java21"])
def test_runtime_is_kept_and_no_value_is_refused(loaded: Loaded, runtime: str) -> None:
    """No behaviour change: every Runtime loads as before (the Python runtime runs it until
    issue 12's kinds claim theirs); the value is kept to pick the function kind."""
    assert loaded(with_function(Runtime=runtime)).functions["f"].runtime == runtime
