"""The single writer: request threads hand rows over, one thread commits them in groups.

DuckDB allows one writer, so the server owns the store and every API write goes through
:class:`Writer`. A request calls :meth:`Writer.submit` with an Arrow table for one canonical
table; the writer thread takes whatever is queued (up to ``max_rows``), and in **one
transaction** per group drops rows whose key is already stored (or repeated earlier in the
group), inserts the rest and commits; only then does each waiting request get its answer
(``accepted``/``duplicates``). A failed commit rolls back and every request of the group gets the
error: nothing was acknowledged, and retrying with the same ids is safe. (A group that fails is
retried write by write, so only the write at fault fails.)

Other work that must be serialised with the inserts (e.g. linking an anonymous id) is queued
with :meth:`Writer.call` and runs inside the same kind of transaction.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from centric.exceptions import StoreError
from centric.schema import ibis_schema, table_spec

__all__ = ["WriteResult", "Writer"]

log = logging.getLogger("centric.web.writer")

#: DuckDB checkpoints (WAL → main file) when the WAL passes this size; they take a while, so the
#: writer raises the threshold and checkpoints itself after this many idle seconds
WAL_THRESHOLD = "256MB"
IDLE_CHECKPOINT_S = 2.0


@dataclass(frozen=True)
class WriteResult:
    """What one submitted batch did: rows stored now, rows whose id was stored already, rows of erased people.

    ``suppressed`` rows name someone on the suppression list (an erased customer's e-mail, phone,
    customer_ref, anonymous id…): they are dropped, as the importer drops them.
    """

    accepted: int
    duplicates: int
    suppressed: int = 0


@dataclass
class _Item:
    table: str | None
    rows: pa.Table | None
    fn: Callable[[Any], Any] | None
    future: Future[Any] = field(default_factory=Future)

    @property
    def size(self) -> int:
        return self.rows.num_rows if self.rows is not None else 1


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema rows for canonical ``table`` must have (decimals as strings)."""
    return ibis_schema(table).to_pyarrow()


class Writer:
    """One thread that commits queued writes in small groups (group commit)."""

    def __init__(
        self,
        store: Any,
        lock: Any,
        *,
        max_rows: int = 20_000,
        timeout_s: float = 30.0,
        secret: bytes | None = None,
    ) -> None:
        self.secret = secret  # checks the suppression list (default: CENTRIC_SECRET / beside the store)
        self._suppress: tuple[int, Any] = (-1, None)  # (size of the list when read, Suppressor or None)
        self.store = store
        self.lock = lock
        self.max_rows = max_rows
        self.timeout_s = timeout_s
        self.queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.commits = 0
        self.rows_committed = 0
        self._dirty = 0

    # -- public ------------------------------------------------------------------------------------
    def submit(self, table: str, rows: pa.Table) -> WriteResult:
        """Store ``rows`` (new keys only) and return once they are committed."""
        table_spec(table)
        if rows.num_rows == 0:
            return WriteResult(0, 0)
        return self._wait(self._put(_Item(table, rows, None)))  # type: ignore[no-any-return]

    def call(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(store)`` on the writer thread inside a transaction; return its result after commit."""
        return self._wait(self._put(_Item(None, None, fn)))

    def start(self) -> None:
        """Start the writer thread (done on first use, too)."""
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="centric-writer", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish queued work, then stop the thread."""
        if self._thread is not None and self._thread.is_alive():
            self.queue.put(None)
            self._thread.join(timeout)
        self._thread = None

    # -- internals ---------------------------------------------------------------------------------
    def _put(self, item: _Item) -> _Item:
        self.start()
        self.queue.put(item)
        return item

    def _wait(self, item: _Item) -> Any:
        try:
            return item.future.result(timeout=self.timeout_s)
        except TimeoutError:
            raise StoreError(
                f"The store was busy for more than {self.timeout_s:g} s (an analysis may be running); "
                "nothing was acknowledged. Retry with the same ids."
            ) from None

    def _run(self) -> None:
        self._tune()
        while True:
            try:
                first = self.queue.get(timeout=IDLE_CHECKPOINT_S)
            except queue.Empty:
                self._checkpoint()
                continue
            if first is None:
                self._checkpoint()
                return
            group = [first]
            rows = first.size
            stop = False
            while rows < self.max_rows:
                try:
                    nxt = self.queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                group.append(nxt)
                rows += nxt.size
            self._commit(group)
            if stop:
                return

    def _tune(self) -> None:
        """Move DuckDB's checkpoints off the commit path: a large WAL threshold, and a checkpoint when idle."""
        if self.store.kind == "duckdb":
            try:
                with self.lock:
                    self.store.con.con.execute(f"SET checkpoint_threshold = '{WAL_THRESHOLD}'")
            except Exception:  # only a tuning knob: commits work without it
                log.warning("could not raise DuckDB's checkpoint threshold", exc_info=True)

    def _checkpoint(self) -> None:
        if self.store.kind != "duckdb" or self._dirty == 0:
            return
        try:
            with self.lock:
                self.store.con.con.execute("CHECKPOINT")
            self._dirty = 0
        except Exception:  # another connection's transaction may be open; try again when idle next
            log.debug("idle checkpoint skipped", exc_info=True)

    def _commit(self, group: list[_Item]) -> None:
        results: dict[int, Any] = {}
        try:
            with self.lock:
                duck = self.store.kind == "duckdb"
                raw = self.store.con.con if duck else None
                if raw is not None:
                    raw.execute("BEGIN TRANSACTION")
                try:
                    by_table: dict[str, list[int]] = {}
                    for i, item in enumerate(group):
                        if item.table is not None:
                            by_table.setdefault(item.table, []).append(i)
                    for table, idx in by_table.items():
                        counts = self._insert(table, [group[i] for i in idx], raw)
                        results.update(zip(idx, counts, strict=True))
                    for i, item in enumerate(group):
                        if item.fn is not None:
                            results[i] = item.fn(self.store)
                    if raw is not None:
                        raw.execute("COMMIT")
                except BaseException:
                    if raw is not None:
                        try:
                            raw.execute("ROLLBACK")
                        except Exception:
                            pass
                    raise
        except Exception as exc:
            if len(group) > 1:  # find the culprit: one bad write must not fail its neighbours
                log.warning("Group commit of %d writes failed (%s); committing them one by one", len(group), exc)
                for item in group:
                    self._commit([item])
                return
            log.exception("Commit of a write failed")
            err = exc if isinstance(exc, StoreError) else StoreError(f"The write failed and was rolled back: {exc}")
            for item in group:
                item.future.set_exception(err)
            return
        self.commits += 1
        self._dirty += 1
        for i, item in enumerate(group):
            res = results[i]
            if isinstance(res, WriteResult):
                self.rows_committed += res.accepted
            item.future.set_result(res)

    def _insert(self, table: str, items: list[_Item], raw: Any) -> list[WriteResult]:
        """Insert the new rows of ``items`` into ``table``; one WriteResult per item."""
        key = list(table_spec(table).key)
        schema = arrow_schema(table)
        parts = [it.rows.select(schema.names).cast(schema) for it in items if it.rows is not None]
        data = pa.concat_tables(parts)
        sizes = [it.size for it in items]
        gone = self._suppressed(table, data)  # erased people's rows: never stored again
        # first occurrence of each key within the group
        keys = _key_array(data, key).to_pylist()
        stored = self._stored_keys(table, key, data, raw)
        seen: set[Any] = set(stored)
        new_mask = []
        for v, g in zip(keys, gone, strict=True):  # new = not suppressed, not stored, not earlier in this group
            new_mask.append(not g and v not in seen)
            if not g:
                seen.add(v)
        fresh = data.filter(pa.array(new_mask, type=pa.bool_()))
        if fresh.num_rows:
            if raw is not None:
                raw.register("_centric_w_fresh", fresh)
                try:
                    cols = ", ".join(f'"{c}"' for c in schema.names)
                    if table == "events" and _has_unlinked_anonymous(fresh):
                        raw.execute(f'INSERT INTO events ({cols}) {_EVENTS_LINKED}')
                    else:
                        raw.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _centric_w_fresh')
                finally:
                    raw.unregister("_centric_w_fresh")
            else:
                self.store.append(table, fresh.to_pandas())
        out, pos = [], 0
        for n in sizes:
            acc = sum(new_mask[pos:pos + n])
            sup = sum(gone[pos:pos + n])
            out.append(WriteResult(acc, n - acc - sup, sup))
            pos += n
        return out

    def names_erased(self, table: str, values: dict[str, str | None]) -> bool:
        """Whether one row with these canonical ``values`` names an erased person (call in the writer thread)."""
        row = pa.table({k: pa.array([v], pa.string()) for k, v in values.items()})
        return any(self._suppressed(table, row))

    def _suppressed(self, table: str, data: pa.Table) -> list[bool]:
        """True for the rows of ``data`` that name an erased person (the importer's own check)."""
        from centric.privacy._suppress import CHECKED_COLUMNS, Suppressor

        n = self.store.count("suppressions") if self.store.has_table("suppressions") else 0
        if n != self._suppress[0]:  # the list only grows when someone is erased: read it again then
            self._suppress = (n, Suppressor.for_store(self.store, self.secret) if n else None)
        sup = self._suppress[1]
        if sup is None or not data.num_rows:
            return [False] * data.num_rows
        cols = [c for c in (*CHECKED_COLUMNS, "order_id") if c in data.column_names]
        return sup.mask(table, data.select(cols).to_pandas()).tolist()

    def _stored_keys(self, table: str, key: list[str], data: pa.Table, raw: Any) -> set[Any]:
        if raw is not None:
            probe = data.select(key)
            raw.register("_centric_w_probe", probe)
            try:
                on = " AND ".join(f't."{k}" = p."{k}"' for k in key)
                sel = ", ".join(f't."{k}"' for k in key)
                rows = raw.execute(
                    f'SELECT DISTINCT {sel} FROM "{table}" t SEMI JOIN _centric_w_probe p ON {on}'
                ).to_arrow_table()
            finally:
                raw.unregister("_centric_w_probe")
            return set(_key_array(rows, key).to_pylist())
        import ibis

        mem = ibis.memtable(data.select(key))
        t = self.store.table(table)
        rows = t.semi_join(mem, key).select(*key).distinct().to_pyarrow()
        return set(_key_array(rows, key).to_pylist())


#: events of an anonymous id that was linked to a customer ($identify) get that customer's ref
_EVENTS_LINKED = """
SELECT f.event_id, coalesce(f.customer_ref, l.customer_ref), f.customer_id, f.anonymous_id, f.occurred_at,
       f.name, f.channel, f.session_id, f.properties, f.batch_id
FROM _centric_w_fresh f LEFT JOIN (
    SELECT anonymous_id, min(customer_ref) AS customer_ref FROM events
    WHERE name = '$identify' AND anonymous_id IN (SELECT anonymous_id FROM _centric_w_fresh)
    GROUP BY anonymous_id
) l ON f.anonymous_id = l.anonymous_id
"""


def _has_unlinked_anonymous(rows: pa.Table) -> bool:
    mask = pc.and_(pc.is_valid(rows.column("anonymous_id")), pc.is_null(rows.column("customer_ref")))
    return bool(pc.any(mask).as_py())


def _key_array(data: pa.Table, key: list[str]) -> pa.Array:
    if len(key) == 1:
        return data.column(key[0]).combine_chunks()
    cols = [pc.cast(data.column(k), pa.string()).fill_null("\x00") for k in key]
    return pc.binary_join_element_wise(*cols, "\x1f").combine_chunks()
