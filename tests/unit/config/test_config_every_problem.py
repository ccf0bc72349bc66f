"""One file with many mistakes: every problem is reported, in file order, at once."""

from __future__ import annotations

from pathlib import Path

from config_docs import Write

from headrace.config import check_config

MANY_MISTAKES = """\
region: us-east-1
account: "111111111111"
dat_dir: .state
queues:
  orders: {VisibilityTimeout: 30}
  jobs.fifo: {FifoQueue: true, DelaySeconds: 1000}
functions:
  f: {Handler: orders.handler, CodeUri: src, Timeout: 60}
  g: {Handler: orders, MemorySize: 64}
  h: {Handler: payments.handler, CodeUri: src}
event_source_mappings:
  - FunctionName: f
    EventSourceArn: arn:aws:sqs:us-east-1:111111111111:orders
    BatchSzie: 10
  - FunctionName: missing
    EventSourceArn: arn:aws:sqs:us-east-1:111111111111:nowhere
    BatchSize: 0
  - FunctionName: f
    EventSourceArn: arn:aws:kinesis:us-east-1:111111111111:stream/clicks
  - FunctionName: f
    EventSourceArn: arn:aws:kinesis:us-east-1:222222222222:stream/theirs
    StartingPosition: SOMETIME
    MaximumRecordAgeInSeconds: 10
    ScalingConfig: {MaximumConcurrency: 5}
"""


def test_every_problem_is_reported(write: Write, workdir: Path) -> None:
    """design: `headrace validate` reports every error at once, not just the first."""
    write(MANY_MISTAKES)
    m = "headrace.yaml: event_source_mappings"
    assert [str(p) for p in check_config("headrace.yaml")] == [
        "headrace.yaml: dat_dir: ValidationException: unknown key; did you mean data_dir?",
        "headrace.yaml: queues.jobs.fifo: DelaySeconds: InvalidAttributeValue: Invalid value for "
        "the parameter DelaySeconds. Valid values: an integer from 0 to 900 (seconds); got 1000.",
        "headrace.yaml: functions.g: Handler: InvalidParameterValueException: Handler 'orders' "
        "is not of the form module.function (for example orders.handler, pkg.orders.handler or "
        "src/kinesis-consumer-fn.handler).",
        "headrace.yaml: functions.g: MemorySize: ValidationException: 1 validation error "
        "detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have "
        "value greater than or equal to 128",
        f"{m}[0] (f): BatchSzie: ValidationException: unknown key; did you mean BatchSize?",
        f"{m}[0] (f): EventSourceArn: InvalidParameterValueException: Queue visibility timeout: "
        "30 seconds is less than Function timeout: 60 seconds",
        f"{m}[1] (missing): FunctionName: InvalidParameterValueException: Function does not exist",
        f"{m}[1] (missing): EventSourceArn: InvalidParameterValueException: Error occurred while "
        "ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error "
        "Message: The specified queue does not exist.",
        f"{m}[1] (missing): BatchSize: ValidationException: 1 validation error detected: Value "
        "'0' at 'batchSize' failed to satisfy constraint: Member must have value greater than "
        "or equal to 1",
        f"{m}[2] (f): EventSourceArn: InvalidParameterValueException: Stream not found: "
        "arn:aws:kinesis:us-east-1:111111111111:stream/clicks",
        f"{m}[3] (f): ScalingConfig: InvalidParameterValueException: ScalingConfig is not "
        "supported for Kinesis event sources; it applies to SQS only.",
        f"{m}[3] (f): StartingPosition: ValidationException: 1 validation error detected: Value "
        "'SOMETIME' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum "
        "value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
        f"{m}[3] (f): MaximumRecordAgeInSeconds: InvalidParameterValueException: "
        "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 "
        "(inclusive)",
        "headrace.yaml: functions.h: Handler: Runtime.ImportModuleError: Unable to import module "
        "'payments': No module named 'payments' (looked for payments.py and "
        f"payments/__init__.py in {workdir / 'src'})",
    ]
