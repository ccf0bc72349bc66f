"""End to end: every handler file name Lambda's Python runtime loads validates and runs.

AWS's own example templates use ``kinesis-consumer-fn.lambda_handler``: the runtime splits
the handler at its last dot and imports the module by file name, hyphens and folders
included, so `headrace validate` and `headrace run` accept the same.
"""

from __future__ import annotations

import pytest
from e2e_project import Project, function, mapping, queue

pytestmark = pytest.mark.e2e

HANDLER = """
import os


def lambda_handler(event, context):
    for record in event["Records"]:
        path = os.path.join(os.environ["E2E_DIR"], "done-" + record["body"])
        open(path, "w").close()


handler = lambda_handler
"""


@pytest.mark.parametrize(
    ("handler", "file"),
    [
        ("kinesis-consumer-fn.lambda_handler", "kinesis-consumer-fn.py"),
        ("dir/sub-mod.handler", "dir/sub-mod.py"),
    ],
)
def test_hyphenated_handler_files_validate_and_run(
    project: Project, handler: str, file: str
) -> None:
    """design.md: a handler module may be any file name Lambda's runtimes accept."""
    project.configure(
        queues={"orders": queue()},
        functions={"fn": function(handler)},
        mappings=[mapping("fn", "orders")],
    )
    path = project.root / "src" / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HANDLER)
    validated = project.cli("validate")
    assert validated.returncode == 0, validated.stderr
    project.send("orders", "one", "two")
    project.drain()
    assert sorted(p.name for p in project.root.glob("done-*")) == ["done-one", "done-two"]
    assert project.bodies("orders") == []


def test_handler_without_a_dot_is_refused_by_validate(project: Project) -> None:
    """Lambda's runtime cannot load a handler without a dot (Runtime.MalformedHandlerName)."""
    project.configure(
        queues={"orders": queue()},
        functions={"fn": function("kinesis-consumer-fn")},
        mappings=[mapping("fn", "orders")],
    )
    done = project.cli("validate")
    assert done.returncode == 2
    assert done.stderr.startswith(
        "headrace.yaml: functions.fn: Handler: InvalidParameterValueException: Handler "
        "'kinesis-consumer-fn' is not of the form module.function"
    ), done.stderr
