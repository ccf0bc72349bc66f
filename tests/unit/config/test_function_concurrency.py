"""How many workers a function gets when it reserves none (design.md "Handlers")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from headrace.config import Config
from headrace.config.load import load_config
from headrace.config.model import EventSourceMappingConfig

QUEUE = "arn:aws:sqs:us-east-1:000000000000:q"
STREAM = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
TABLE = "arn:aws:dynamodb:us-east-1:000000000000:table/users"


def config(tmp_path: Path, mappings: list[dict[str, Any]], **function: Any) -> Config:
    (tmp_path / "src").mkdir(exist_ok=True)
    document = {
        "queues": {"q": {"VisibilityTimeout": 30}, "q2": {"VisibilityTimeout": 30}},
        "streams": {"s": {"ShardCount": 4}},
        "tables": {
            "users": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "StreamSpecification": {"StreamViewType": "KEYS_ONLY", "ShardCount": 2},
            }
        },
        "functions": {"f": {"Handler": "h.handler", "CodeUri": "src", **function}},
        "event_source_mappings": [{"FunctionName": "f", **m} for m in mappings],
    }
    path = tmp_path / "headrace.yaml"
    path.write_text(yaml.safe_dump(document))
    return load_config(path)


def test_reserved_concurrency_wins(tmp_path: Path) -> None:
    """§5.7: ReservedConcurrentExecutions is the function's cap, whatever its mappings."""
    cfg = config(tmp_path, [{"EventSourceArn": QUEUE}], ReservedConcurrentExecutions=3)
    assert cfg.function_concurrency("f") == 3


def test_default_is_default_concurrency(tmp_path: Path) -> None:
    """design.md: without a reservation a function gets default_concurrency (10)."""
    assert config(tmp_path, [{"EventSourceArn": QUEUE}]).function_concurrency("f") == 10


def test_default_leaves_room_for_five_batches_per_queue_mapping(tmp_path: Path) -> None:
    """§5.6: five concurrent batches for each queue mapping of the function."""
    queue2 = QUEUE + "2"
    mappings = [
        {"EventSourceArn": QUEUE},
        {"EventSourceArn": queue2},
        {"EventSourceArn": STREAM, "StartingPosition": "TRIM_HORIZON"},
    ]
    assert config(tmp_path, mappings).function_concurrency("f") == 14


def test_default_leaves_room_for_every_shard_lane(tmp_path: Path) -> None:
    """§5.2: one lane per shard and ParallelizationFactor, for streams and tables."""
    mappings = [
        {"EventSourceArn": STREAM, "StartingPosition": "TRIM_HORIZON", "ParallelizationFactor": 5},
        {"EventSourceArn": TABLE, "StartingPosition": "TRIM_HORIZON", "ParallelizationFactor": 3},
    ]
    assert config(tmp_path, mappings).function_concurrency("f") == 4 * 5 + 2 * 3


def test_the_mappings_counted_can_be_a_runs_live_ones(tmp_path: Path) -> None:
    """§5.6 / §5.2 over the mappings given (a run's, API-made ones included) instead of the
    file's: two queue mappings and the 4-shard stream's with ParallelizationFactor 2."""
    cfg = config(tmp_path, [{"EventSourceArn": QUEUE}])
    live = [
        *cfg.event_source_mappings,
        EventSourceMappingConfig.from_aws({"FunctionName": "f", "EventSourceArn": QUEUE + "2"}),
        EventSourceMappingConfig.from_aws(
            {
                "FunctionName": "f",
                "EventSourceArn": STREAM,
                "StartingPosition": "LATEST",
                "ParallelizationFactor": 2,
            }
        ),
    ]
    assert cfg.function_concurrency("f") == 10
    assert cfg.function_concurrency("f", live) == 5 + 5 + 4 * 2
