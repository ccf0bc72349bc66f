"""The source seam's old name, kept so existing imports keep working.

Import from :mod:`headrace.sources.source_seam`; this module only re-exports it.
"""

from __future__ import annotations

from headrace.sources.source_seam import (
    QueueSource,
    ShardRecords,
    StreamShard,
    StreamSource,
    StreamStart,
)

__all__ = ["QueueSource", "ShardRecords", "StreamShard", "StreamSource", "StreamStart"]
