"""The embedded streams as the engine reads them: :class:`StreamSource` over the StreamBroker.

:class:`EmbeddedStreams` opens ``<data_dir>/streams.sqlite3`` on its own broker thread (apart
from the queues' thread, so neither waits for the other) with the declared streams and the
streams behind declared tables' change streams, and hands out one
:class:`EmbeddedStreamSource` per stream. Waiting is event-driven: a put notifies the
:class:`~headrace.broker.wake.Waker` under the stream's ARN (a Kinesis stream ARN, or a
table's DynamoDB stream ARN), in this process directly and from other processes through the
wake-up socket the queue broker listens on. Iterators never expire here (``iterator_ttl``
None): a shard blocked by retries keeps its read position as long as it needs.

:class:`EmbeddedQueueDestination` delivers on-failure records to an embedded queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from headrace.broker.streams import STREAMS_FILE_NAME, StreamBroker
from headrace.broker.tables import TableBroker, table_stream_configs, table_stream_name
from headrace.broker.thread import BrokerThread
from headrace.broker.wake import Waker
from headrace.clock import Clock
from headrace.config.resources import StreamConfig, TableConfig
from headrace.errors import BrokerError, InvalidParameterValueException
from headrace.sources.source_seam import ShardRecords, StreamShard, StreamStart

if TYPE_CHECKING:
    from headrace.broker.embedded import EmbeddedBroker


class EmbeddedStreamSource:
    """One embedded stream (``name`` in the streams file) as a StreamSource under ``arn``."""

    def __init__(
        self,
        broker: StreamBroker,
        name: str,
        arn: str,
        *,
        waker: Waker,
        thread: BrokerThread,
        clock: Clock,
    ) -> None:
        self._broker = broker
        self._name = name
        self._arn = arn
        self._waker = waker
        self._thread = thread
        self._clock = clock

    @property
    def arn(self) -> str:
        return self._arn

    async def list_shards(self) -> list[StreamShard]:
        shards = await self._thread.call(self._broker.list_shards, self._name)
        return [StreamShard(s.shard_id, s.parent_shard_ids, s.closed) for s in shards]

    async def iterator(self, shard_id: str, start: StreamStart) -> str:
        return await self._thread.call(
            self._broker.get_shard_iterator,
            self._name,
            shard_id,
            start.kind,
            starting_sequence_number=start.sequence_number,
            timestamp=start.timestamp,
        )

    async def get_records(self, iterator: str, limit: int) -> ShardRecords:
        return await self._thread.call(self._read, iterator, limit)

    def version(self) -> int:
        return self._waker.version(self._arn)

    async def wait_for_records(self, version: int, timeout: float) -> bool:
        return await self._waker.wait(self._arn, version, timeout, self._clock)

    async def latest_sequence_number(self, shard_id: str) -> str | None:
        return await self._thread.call(self._broker.latest_sequence, self._name, shard_id)

    async def has_records_after(self, shard_id: str, sequence_number: str | None) -> bool:
        return await self._thread.call(
            self._broker.has_records_after, self._name, shard_id, sequence_number
        )

    async def aclose(self) -> None:
        """Nothing to release: :class:`EmbeddedStreams` owns the file and the thread."""

    def _read(self, iterator: str, limit: int) -> ShardRecords:
        """GetRecords, and whether it reached the tip (MillisBehindLatest alone cannot say:
        it is 0 also when the next record arrived this millisecond)."""
        result = self._broker.get_records(iterator, limit)
        records = result.records
        at_tip = result.millis_behind_latest == 0 and (
            not records
            or not self._broker.has_records_after(
                self._name, records[-1].shard_id, records[-1].sequence_number
            )
        )
        return ShardRecords(
            records, result.next_shard_iterator, result.millis_behind_latest, at_tip
        )


class EmbeddedStreams:
    """The streams file of one data_dir, opened for the engine; use ``async with``.

    ``waker`` is the one the queue broker feeds from the wake-up socket. Starting raises
    :class:`~headrace.errors.BrokerError` if the file cannot be opened.
    """

    def __init__(
        self,
        data_dir: Path,
        streams: Mapping[str, StreamConfig],
        tables: Mapping[str, TableConfig],
        *,
        region: str,
        account: str,
        waker: Waker,
        clock: Clock,
    ) -> None:
        self._path = data_dir / STREAMS_FILE_NAME
        self._streams = dict(streams)
        self._tables = dict(tables)
        self._region = region
        self._account = account
        self._waker = waker
        self._clock = clock
        self._thread: BrokerThread | None = None
        self._broker: StreamBroker | None = None
        self._table_arns: dict[str, str] = {}

    async def __aenter__(self) -> EmbeddedStreams:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Open the file on its own broker thread (tables first: they fix stream labels)."""
        self._thread = BrokerThread(name="headrace-streams")
        try:
            self._table_arns = await self._thread.call(self._open_tables)
            configs = {**self._streams, **table_stream_configs(self._tables)}
            self._broker = await self._thread.call(
                StreamBroker,
                self._path,
                configs,
                region=self._region,
                account=self._account,
                clock=self._clock,
                notify=self._waker.notify_threadsafe,
                iterator_ttl=None,
            )
        except BaseException:
            await self.aclose()
            raise

    def stream_source(self, name: str) -> EmbeddedStreamSource:
        """The declared stream ``name`` as a source (its ARN is the Kinesis stream ARN)."""
        broker, thread = self._started()
        arn = broker.stream_arn(name)
        return EmbeddedStreamSource(
            broker, name, arn, waker=self._waker, thread=thread, clock=self._clock
        )

    def table_source(self, table: str) -> EmbeddedStreamSource:
        """The change stream of declared table ``table`` (its ARN is the table-stream ARN)."""
        broker, thread = self._started()
        arn = self._table_arns.get(table)
        if arn is None:
            raise InvalidParameterValueException(
                f"Table {table} has no stream: set StreamSpecification on it under tables:"
            )
        return EmbeddedStreamSource(
            broker,
            table_stream_name(table),
            arn,
            waker=self._waker,
            thread=thread,
            clock=self._clock,
        )

    async def aclose(self) -> None:
        """Close the file and stop the thread. Safe to call twice."""
        if self._broker is not None and self._thread is not None:
            await self._thread.call(self._broker.close)
            self._broker = None
        if self._thread is not None:
            self._thread.close()
            self._thread = None

    def _started(self) -> tuple[StreamBroker, BrokerThread]:
        if self._broker is None or self._thread is None:
            raise BrokerError("the embedded streams are not started (use `async with`)")
        return self._broker, self._thread

    def _open_tables(self) -> dict[str, str]:
        if not self._tables:
            return {}
        tables = TableBroker(
            self._path,
            self._tables,
            region=self._region,
            account=self._account,
            clock=self._clock,
            notify=self._waker.notify_threadsafe,
        )
        try:
            arns = {name: tables.stream_arn(name) for name in self._tables}
        finally:
            tables.close()
        return {name: arn for name, arn in arns.items() if arn is not None}


class EmbeddedQueueDestination:
    """An on-failure destination that sends each record as a message to an embedded queue.

    FIFO queues are refused at delivery, as AWS fails deliveries to them (§4.2.8): the
    failure is counted in DestinationDeliveryFailures.
    """

    def __init__(self, broker: EmbeddedBroker, queue_arn: str) -> None:
        self._broker = broker
        self._arn = queue_arn

    @property
    def arn(self) -> str:
        return self._arn

    async def send(self, body: str) -> None:
        """SendMessage with ``body``; raises the broker's error if it fails."""
        queues = self._broker.queues
        if queues.queue(self._arn).fifo:
            raise BrokerError(f"{self._arn}: a FIFO queue cannot be an on-failure destination")
        await asyncio.shield(self._broker.call(queues.send_message, self._arn, body))
