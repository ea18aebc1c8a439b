"""The simulated world, block by block: id counters, sinks and truth accumulators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from centric.demo import _exports as X
from centric.demo import _vocab as V
from centric.demo._behaviour import ProductJson, email_events, make_sessions, make_tickets, session_events
from centric.demo._catalogue import make_catalogue
from centric.demo._common import Window, hex48, scramble
from centric.demo._consents import NOTICE_CUTOVER, PURPOSES, make_consents
from centric.demo._people import make_persons, make_records
from centric.demo._purchases import PurchaseParams, simulate_btyd, simulate_orders
from centric.demo._segments import assign_segments
from centric.demo._surveys import TRUTH_KEYS, make_feedback
from centric.demo._truth import INJECTED_SCHEMA, PERSONS_SCHEMA, RECORDS_SCHEMA, person_table, record_table
from centric.demo._writers import CsvSink, JsonlSink, ParquetSink, write_xlsx

BLOCK = 1_000
EVENTS_PER_FILE = 2_000_000
CES_CUTOVER = "2024-04-01"  # CES 1.0 (1-5) was replaced by CES 2.0 (1-7) on this date


class World:
    """State carried from block to block: sinks, id counters, truth accumulators."""

    def __init__(self, *, seed: int, n_total: int, window: Window, exports: Path, truth: Path) -> None:
        self.seed, self.n_total, self.window = seed, n_total, window
        self.prm = PurchaseParams()
        self.horizon = window.seconds
        self.epoch = window.start_epoch_local
        self.cutover = self._offset(NOTICE_CUTOVER)
        self.ces_cutover = self._offset(CES_CUTOVER)
        self.catalogue = make_catalogue(np.random.default_rng([seed, 2**31 - 1]))
        self.pj = ProductJson(self.catalogue)
        self.counters = dict.fromkeys(
            (
                "kh",
                "web",
                "hd",
                "dh",
                "shopee",
                "event",
                "session",
                "visitor",
                "feedback",
                "ticket",
                "consent",
            ),
            0,
        )
        self.survey = dict.fromkeys(TRUTH_KEYS, 0.0)
        self.injected: dict[str, dict[str, int]] = {}
        self.traps: list[dict[str, Any]] = []
        c = self.catalogue
        write_xlsx(
            exports / "products.xlsx",
            X.PRODUCTS,
            [
                [
                    c.product_id[i],
                    c.name[i],
                    V.CATEGORIES[c.category[i]][0],
                    c.brand[i],
                    int(c.price[i]),
                    int(c.cost[i]),
                ]
                for i in range(len(c))
            ],
            sheet="Sản phẩm",
        )
        self.product_rows = len(c)
        self.sinks: dict[str, Any] = {
            "pos_customers": CsvSink(
                exports / "pos_customers.csv", X.POS_CUSTOMERS, delimiter=";", bom=True, text=(1, 2, 3, 6)
            ),
            "web_customers": JsonlSink(exports, "web_customers"),
            "pos_orders": CsvSink(exports / "pos_orders.csv", X.POS_ORDERS, delimiter=";", bom=True),
            "web_orders": JsonlSink(exports, "web_orders"),
            "shopee_orders": CsvSink(exports / "shopee_orders.csv", X.SHOPEE_ORDERS),
            "order_items": CsvSink(exports / "order_items.csv", X.ORDER_ITEMS),
            "events": JsonlSink(exports, "events", max_lines=EVENTS_PER_FILE),
            "feedback": CsvSink(exports / "feedback.csv", X.FEEDBACK, text=(7,)),
            "tickets": CsvSink(exports / "tickets.csv", X.TICKETS, text=(7,)),
            "consents": CsvSink(exports / "consents.csv", X.CONSENTS),
            "persons": ParquetSink(truth / "persons.parquet", PERSONS_SCHEMA),
            "records": ParquetSink(truth / "records.parquet", RECORDS_SCHEMA),
            "injected": ParquetSink(truth / "injected.parquet", INJECTED_SCHEMA),
        }
        self.exports_dir = exports

    def _offset(self, date: str) -> int:
        return int((np.datetime64(date, "s") - self.window.start) / np.timedelta64(1, "s"))

    def _take(self, key: str, n: int) -> np.ndarray:
        first = self.counters[key]
        self.counters[key] += n
        return first + 1 + np.arange(n, dtype=np.int64)

    def block(self, k: int, nb: int) -> None:
        rng = np.random.default_rng([self.seed, k])
        seed, horizon, cat = self.seed, self.horizon, self.catalogue
        end_year = int(str(self.window.end - np.timedelta64(1, "s"))[:4])
        person = make_persons(rng, first=k * BLOCK, n=nb, n_total=self.n_total, end_year=end_year, seed=seed)
        btyd = simulate_btyd(rng, nb, self.window.weeks, self.prm)
        assign_segments(np.random.default_rng([self.seed, k, 2]), person, btyd)
        orders, items = simulate_orders(rng, person, btyd, self.prm, cat, horizon)
        first_order = np.full((nb, 3), np.iinfo(np.int64).max)
        np.minimum.at(first_order, (orders["person"], orders["channel"]), orders["t"])
        first_order[first_order == np.iinfo(np.int64).max] = -1
        pos, web = make_records(rng, person, first_order, btyd["t0"], horizon)

        b: dict[str, Any] = {
            "pos": pos,
            "web": web,
            "orders": orders,
            "items": items,
            "catalogue": cat,
            "anonymous_id": person["anonymous_id"],
        }
        b["pos_code"] = self._codes(nb, pos, "kh", "KH{:06d}")
        b["web_code"] = self._codes(nb, web, "web", "W{:08d}")
        loyal = np.zeros(nb, bool)
        loyal[pos["person"][pos["loyal"]]] = True
        tv = scramble(person["index"], 10**8, seed * 7 + 5)
        b["loyalty"] = np.array(
            [f"TV{v:08d}" if ok else "" for v, ok in zip(tv, loyal, strict=True)], dtype=object
        )
        shopee_buyer = np.zeros(nb, bool)
        shopee_buyer[orders["person"][orders["channel"] == 2]] = True
        b["shopee_code"] = np.where(
            shopee_buyer, ["shopee_" + h for h in hex48(person["index"], seed * 131 + 1)], None
        ).astype(object)
        b["order_id"] = self._order_ids(orders)

        primary = np.where(person["in_web"], 2, np.where(person["in_pos"], 1, 0))
        b["primary"] = primary
        created = np.zeros(nb, np.int64)
        created[pos["person"]] = pos["created"]
        created[web["person"]] = web["created"]  # web is primary when both exist
        has_email = np.zeros(nb, bool)
        has_email[pos["person"]] = pos["email"] != ""
        has_email[web["person"]] = np.array([e is not None for e in web["email"]], dtype=bool)
        has_phone = np.zeros(nb, bool)
        has_phone[pos["person"]] = pos["phone"] != ""
        has_phone[web["person"]] = np.array([p is not None for p in web["phone"]], dtype=bool)
        cons = make_consents(
            rng,
            primary=primary,
            created=created,
            has_email=has_email,
            has_phone=has_phone,
            horizon=horizon,
            cutover=self.cutover,
        )
        b["consents"] = cons
        b["tickets"] = make_tickets(rng, orders=orders, person=person, horizon=horizon)
        b["feedback"], survey = make_feedback(
            rng,
            person=person,
            orders=orders,
            tickets=b["tickets"],
            primary=primary,
            horizon=horizon,
            wellbeing=(cons["start"][:, 4], cons["stop"][:, 4]),
            ces_cutover=self.ces_cutover,
        )
        for key, v in survey.items():
            self.survey[key] += v

        web_created = np.full(nb, -1, np.int64)
        web_created[web["person"]] = web["created"]
        sess = make_sessions(
            rng,
            person=person,
            btyd=btyd,
            orders=orders,
            items=items,
            web_created=web_created,
            horizon=horizon,
            cat=cat,
        )
        ev1 = session_events(
            rng,
            sess,
            person=person,
            orders=orders,
            items=items,
            order_ids=pa.array(b["order_id"].tolist(), pa.string()),
            cat=cat,
            pj=self.pj,
            horizon=horizon,
        )
        in_web = np.zeros(nb, bool)
        in_web[web["person"]] = has_email[web["person"]]
        start = np.where(in_web, cons["start"][:, 0], -1)
        ev2 = email_events(
            rng,
            person=person,
            btyd=btyd,
            consent_start=start,
            consent_stop=cons["stop"][:, 0],
            horizon=horizon,
        )
        order = np.argsort(np.concatenate([ev1["t"], ev2["t"]]), kind="stable")
        ev = {
            key: (
                np.concatenate([ev1[key], ev2[key]])[order]
                if key != "props"
                else pa.concat_arrays([ev1[key], ev2[key]]).take(pa.array(order))
            )
            for key in ev1
        }
        b["events"] = ev
        self._write(k, b, person, btyd, sess)

    def _codes(self, nb: int, rec: dict[str, np.ndarray], counter: str, fmt: str) -> np.ndarray:
        order = np.lexsort((rec["person"], rec["created"]))
        numbers = self._take(counter, len(order))
        codes = np.full(nb, None, dtype=object)
        codes[rec["person"][order]] = [fmt.format(v) for v in numbers]
        return codes

    def _order_ids(self, orders: dict[str, np.ndarray]) -> np.ndarray:
        ch, t = orders["channel"], orders["t"]
        oid = np.empty(len(t), dtype=object)
        for c, (key, fmt) in enumerate((("hd", "HD{:08d}"), ("dh", "DH{:08d}"), ("shopee", None))):
            sel = np.flatnonzero(ch == c)
            sel = sel[np.argsort(t[sel], kind="stable")]
            numbers = self._take(key, len(sel))
            if fmt is not None:
                oid[sel] = [fmt.format(v) for v in numbers]
            else:
                day = np.datetime_as_string(self.window.start + t[sel].astype("timedelta64[s]"), unit="D")
                tags = hex48(numbers, self.seed * 977 + 3)
                oid[sel] = [f"{d[2:4]}{d[5:7]}{d[8:10]}{h.upper()}" for d, h in zip(day, tags, strict=True)]
        return oid

    def _write(
        self,
        k: int,
        b: dict[str, Any],
        person: dict[str, np.ndarray],
        btyd: dict[str, np.ndarray],
        sess: dict[str, np.ndarray],
    ) -> None:
        s, epoch = self.sinks, self.epoch
        inj = np.random.default_rng([self.seed, k, 1])
        bad_c = X.pos_customers(s["pos_customers"], inj, b, epoch)
        X.web_customers(s["web_customers"], b, epoch)
        bad_o = X.orders(s, inj, b, epoch)
        n_visitors = int((sess["visitor"] >= 0).sum())
        visitors = np.array(
            ["a" + h for h in hex48(self._take("visitor", n_visitors) + (1 << 40), self.seed * 61)],
            dtype=object,
        )
        n_ev = len(b["events"]["t"])
        X.events(
            s["events"],
            b,
            epoch,
            self._take("event", n_ev)[0] if n_ev else 0,
            self._take("session", len(sess["t"]))[0] if len(sess["t"]) else 0,
            visitors,
        )
        first = self.counters["feedback"] + 1
        self.counters["feedback"] += X.feedback(s["feedback"], b, epoch, first)
        X.tickets(
            s["tickets"],
            b,
            epoch,
            self._take("ticket", len(b["tickets"]["person"]))[0] if len(b["tickets"]["person"]) else 0,
        )
        X.consents(
            s["consents"],
            b,
            epoch,
            self._take("consent", len(b["consents"]["rows"]["person"]))[0]
            if len(b["consents"]["rows"]["person"])
            else 0,
            PURPOSES,
        )
        for name, rows in (("pos_customers.csv", bad_c), ("pos_orders.csv", bad_o)):
            tally = self.injected.setdefault(name, {"bad_phone": 0, "bad_date": 0, "duplicate": 0})
            for _key, kind in rows:
                tally[kind] += 1
            s["injected"].write(
                pa.table(
                    {
                        "file": [name] * len(rows),
                        "row_key": [r[0] for r in rows],
                        "kind": [r[1] for r in rows],
                    },
                    schema=INJECTED_SCHEMA,
                )
            )
        s["persons"].write(person_table(person, btyd, b, self.window, self.prm))
        s["records"].write(record_table(person, b))
        self.traps.extend(self._trap_pairs(person, b))

    def _trap_pairs(self, person: dict[str, np.ndarray], b: dict[str, Any]) -> list[dict[str, Any]]:
        first = person["index"][0]
        pairs = []
        for i in np.flatnonzero((person["trap_with"] >= 0) & (person["trap_with"] > person["index"])):
            j = person["trap_with"][i] - first
            refs = [
                r
                for q in (i, j)
                for r in (
                    f"pos:{b['pos_code'][q]}" if b["pos_code"][q] else None,
                    f"web:{b['web_code'][q]}" if b["web_code"][q] else None,
                )
                if r
            ]
            pairs.append(
                {
                    "phone": str(person["phone"][i]),
                    "persons": [f"P{first + i + 1:07d}", f"P{first + j + 1:07d}"],
                    "refs": refs,
                }
            )
        return pairs

    def flush(self) -> None:
        for sink in self.sinks.values():
            sink.flush()

    def close(self) -> tuple[list[Path], dict[str, int]]:
        files = [self.exports_dir / "products.xlsx"]
        counts = {"products.xlsx": self.product_rows}
        for name, sink in self.sinks.items():
            paths = sink.close()
            files += paths
            if isinstance(sink, JsonlSink) and name == "events":
                counts["events_*.jsonl" if len(paths) > 1 else "events.jsonl"] = sink.rows
            else:
                counts[paths[0].name] = sink.rows
        return files, counts
