"""The stream engine: shard pollers, lanes, retries, bisect, destinations, checkpoints, windows.

Kinesis-style and DynamoDB-style streams are read through the
:class:`~headrace.sources.source_seam.StreamSource` Protocol; ``docs/streams-engine.md`` describes
the behaviour statement by statement.
"""
