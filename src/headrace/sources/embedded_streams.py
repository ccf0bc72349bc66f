"""The embedded streams as the engine reads them: :class:`StreamSource` over the StreamBroker.

:class:`EmbeddedStreams` opens ``<data_dir>/streams.sqlite3`` on its own broker thread (apart
from the queues' thread, so neither waits for the other) with the declared streams and the
streams behind declared tables' change streams, and hands out one
:class:`EmbeddedStreamSource` per stream. Waiting is event-driven: a put notifies the
:class:`~headrace.broker.wake.Waker` under the stream's ARN (a Kinesis stream ARN, or a
table's DynamoDB stream ARN), in this process directly and from other processes through the
wake-up socket the queue broker listens on. Iterators never expire here (``iterator_ttl``
None): a shard blocked by retries keeps its read position as long as it needs.

A stream deleted while a mapping reads it (DeleteStream, or DeleteTable of a table whose
change stream it reads) is not an error of the engine: like the real sources
(:mod:`headrace.sources.aws_problems`), the source tells its listeners ``Stream not found:
<arn>`` (§1.6.12), which the mapping shows as its LastProcessingResult, and waits until the
stream is there again (CreateStream under the name wakes it; it also looks again every
:data:`~headrace.sources.aws_streams.PROBLEM_RETRY_SECONDS`). A stream made again under the
name is a new stream: its shards are read from their first record (the old iterators and
checkpoints name the old stream's records), and a shard the new stream does not have ends.

:class:`EmbeddedQueueDestination` delivers on-failure records to an embedded queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from headrace.broker.streams import STREAMS_FILE_NAME, StreamBroker
from headrace.broker.streams.stream_storage_thread import ThreadedStreamStorage
from headrace.broker.tables import TableBroker, table_stream_configs
from headrace.broker.tables.table_storage_thread import ThreadedTableStorage
from headrace.broker.thread import BrokerThread
from headrace.broker.wake import Waker
from headrace.clock import Clock
from headrace.config.resources import StreamConfig, TableConfig
from headrace.errors import BrokerError, InvalidArgumentException, ResourceNotFoundException
from headrace.sources.aws_problems import ProblemListener, ProblemReport
from headrace.sources.aws_streams import PROBLEM_RETRY_SECONDS
from headrace.sources.source_seam import ShardRecords, StreamShard, StreamStart

if TYPE_CHECKING:
    from headrace.broker.embedded import EmbeddedBroker
    from headrace.broker.streams.stream_seam import StreamStorage

T = TypeVar("T")


class EmbeddedStreamSource:
    """One stream of a :class:`~headrace.broker.streams.stream_seam.StreamStorage` (``name``
    in the storage) as a StreamSource under ``arn``; a deleted stream is a problem it shows
    and waits out (see the module doc)."""

    def __init__(self, storage: StreamStorage, name: str, arn: str) -> None:
        self._storage = storage
        self._name = name
        self._arn = arn
        self._report = ProblemReport()
        # The shard of each iterator handed out and not yet read: a stream made again
        # voids its iterators, and the read opens the shard of the new stream instead.
        self._shards: dict[str, str] = {}

    @property
    def arn(self) -> str:
        return self._arn

    @property
    def problem(self) -> str | None:
        """The problem shown now (``Stream not found: <arn>``), or None."""
        return self._report.shown

    def report_to(self, listener: ProblemListener) -> None:
        """Tell ``listener`` when the stream goes missing, and when it is back."""
        if listener not in self._report.listeners:  # a rebuilt mapping hands the same one
            self._report.listeners.append(listener)

    async def list_shards(self) -> list[StreamShard]:
        shards = await self._call(lambda: self._storage.list_shards(self._name))
        return [StreamShard(s.shard_id, s.parent_shard_ids, s.closed) for s in shards]

    async def iterator(self, shard_id: str, start: StreamStart) -> str:
        token = await self._call(
            lambda: self._storage.get_shard_iterator(
                self._name,
                shard_id,
                start.kind,
                starting_sequence_number=start.sequence_number,
                timestamp=start.timestamp,
            )
        )
        self._shards[token] = shard_id
        return token

    async def get_records(self, iterator: str, limit: int) -> ShardRecords:
        shard_id = self._shards.pop(iterator, None)
        try:
            read = await self._call(lambda: self._storage.read_shard(self._name, iterator, limit))
        except (InvalidArgumentException, ResourceNotFoundException):
            if shard_id is None:
                raise
            # The stream was deleted and made again: the iterator names the old one.
            try:
                iterator = await self.iterator(shard_id, StreamStart("TRIM_HORIZON"))
            except ResourceNotFoundException:
                return ShardRecords((), None, 0, True)  # the new stream has no such shard
            self._shards.pop(iterator, None)
            read = await self._call(lambda: self._storage.read_shard(self._name, iterator, limit))
        following = read.next_shard_iterator
        if following is not None and shard_id is not None:
            self._shards[following] = shard_id
        return ShardRecords(read.records, following, read.millis_behind_latest, read.at_tip)

    def version(self) -> int:
        return self._storage.change_version(self._arn)

    async def wait_for_records(self, version: int, timeout: float) -> bool:
        return await self._storage.wait_for_change(self._arn, version, timeout)

    async def latest_sequence_number(self, shard_id: str) -> str | None:
        tip = await self._call(lambda: self._storage.shard_tip(self._name, shard_id))
        return tip.latest_sequence_number

    async def has_records_after(self, shard_id: str, sequence_number: str | None) -> bool:
        """Whether the shard holds records after ``sequence_number``; True when that is a
        number of a deleted stream of the name (the read that follows starts over)."""
        try:
            return await self._call(
                lambda: self._storage.has_records_after(self._name, shard_id, sequence_number)
            )
        except InvalidArgumentException:
            return True

    async def aclose(self) -> None:
        """Nothing to release: :class:`EmbeddedStreams` owns the storage."""
        self._shards.clear()

    async def _call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Await ``fn()``; while the stream is missing, show it (§1.6.12) and wait for it
        to be made again. A missing shard of a stream that is there is raised."""
        while True:
            version = self._storage.change_version(self._arn)
            try:
                result = await fn()
            except ResourceNotFoundException:
                if await self._exists():
                    raise
                self._report.show(f"Stream not found: {self._arn}")
                await self._storage.wait_for_change(self._arn, version, PROBLEM_RETRY_SECONDS)
                continue
            self._report.show(None)
            return result

    async def _exists(self) -> bool:
        try:
            await self._storage.list_shards(self._name)
        except ResourceNotFoundException:
            return False
        return True


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
        self._storage: ThreadedStreamStorage | None = None
        self._table_broker: TableBroker | None = None
        self._tables_storage: ThreadedTableStorage | None = None

    async def __aenter__(self) -> EmbeddedStreams:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Open the file on its own broker thread (tables first: they fix stream labels)."""
        self._thread = BrokerThread(name="headrace-streams")
        try:
            tables = await self._thread.call(self._open_tables)
            configs = {**self._streams, **table_stream_configs(tables)}
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
            self._storage = ThreadedStreamStorage(
                self._broker, call=self._thread.call, waker=self._waker, clock=self._clock
            )
            assert self._table_broker is not None
            self._tables_storage = ThreadedTableStorage.beside(
                self._table_broker, self._thread, self._storage
            )
        except BaseException:
            await self.aclose()
            raise

    def stream_source(self, name: str) -> EmbeddedStreamSource:
        """The declared stream ``name`` as a source (its ARN is the Kinesis stream ARN)."""
        storage = self.storage
        return EmbeddedStreamSource(storage, name, storage.stream_arn(name))

    async def table_source(self, table: str) -> EmbeddedStreamSource:
        """The change stream of table ``table`` (declared, or made by CreateTable) as a
        source (its ARN is the table-stream ARN)."""
        change = await self.tables.change_stream(table)
        return EmbeddedStreamSource(change.storage, change.stream_name, change.stream_arn)

    async def table_stream_arns(self) -> dict[str, str]:
        """The tables that have a change stream (declared, or made by CreateTable), each
        with its stream ARN."""
        return await self.thread.call(_stream_arns, self.tables.core)

    @property
    def tables(self) -> ThreadedTableStorage:
        """The file's tables (declared and CreateTable's) as
        :class:`~headrace.broker.tables.table_seam.TableStorage`, their change streams
        read through :attr:`storage`."""
        if self._tables_storage is None:
            raise BrokerError("the embedded streams are not started (use `async with`)")
        return self._tables_storage

    @property
    def thread(self) -> BrokerThread:
        if self._thread is None:
            raise BrokerError("the embedded streams are not started (use `async with`)")
        return self._thread

    async def aclose(self) -> None:
        """Close the file and stop the thread. Safe to call twice."""
        self._storage = None
        self._tables_storage = None
        if self._table_broker is not None and self._thread is not None:
            await self._thread.call(self._table_broker.close)
            self._table_broker = None
        if self._broker is not None and self._thread is not None:
            await self._thread.call(self._broker.close)
            self._broker = None
        if self._thread is not None:
            self._thread.close()
            self._thread = None

    @property
    def storage(self) -> ThreadedStreamStorage:
        """The streams as :class:`~headrace.broker.streams.stream_seam.StreamStorage`."""
        if self._storage is None:
            raise BrokerError("the embedded streams are not started (use `async with`)")
        return self._storage

    def _open_tables(self) -> dict[str, TableConfig]:
        """Open the tables (kept open for the endpoint); every table's config."""
        self._table_broker = TableBroker(
            self._path,
            self._tables,
            region=self._region,
            account=self._account,
            clock=self._clock,
            notify=self._waker.notify_threadsafe,
        )
        return self._table_broker.table_configs()


def _stream_arns(tables: TableBroker) -> dict[str, str]:
    arns = {name: tables.stream_arn(name) for name in tables.table_names}
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
        storage = self._broker.storage
        if (await storage.get_queue(self._arn)).fifo:
            raise BrokerError(f"{self._arn}: a FIFO queue cannot be an on-failure destination")
        await asyncio.shield(storage.send_message(self._arn, body))
