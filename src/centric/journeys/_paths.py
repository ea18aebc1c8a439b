"""Top event paths to the first purchase, and their Sankey figure."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import ibis
import pandas as pd

from centric.exceptions import InvalidParameterError
from centric.journeys._common import SYSTEM_EVENTS, check_columns, check_lang, label

__all__ = ["PATH_SEPARATOR", "sankey", "top_paths"]

PATH_SEPARATOR = " → "
ELLIPSIS = "…"


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidParameterError(
            f"The {name!r} parameter of top_paths must be an int >= {low}. Got {value!r} instead."
        )
    return value


def top_paths(
    events: ibis.Table,
    *,
    to: str = "purchase",
    max_steps: int = 5,
    top: int = 10,
    collapse_repeats: bool = True,
    with_channel: bool = False,
    exclude: Sequence[str] = SYSTEM_EVENTS,
) -> pd.DataFrame:
    """The most common event paths that end in an actor's first ``to`` event.

    For each actor (``customer_id``, else ``anonymous_id``) who has a ``to`` event, the path is
    the last ``max_steps`` events up to and including the first ``to`` event, in time order
    (ties by ``event_id``), with consecutive repeats of the same event collapsed. A path that
    had earlier events starts with ``"…"``. Everything up to the count per distinct path runs
    in the backend.

    Parameters
    ----------
    events
        The ``events`` table.
    to
        The event that ends a path (default ``"purchase"``).
    max_steps
        Length of the path, the ``to`` event included (default 5, at least 2).
    top
        How many paths to return (the most common first).
    collapse_repeats
        Count ``page_view, page_view`` as one step (default).
    with_channel
        Name steps ``"channel:event"`` (``"app:begin_checkout"``) instead of the event alone.
    exclude
        Event names left out (default: campaign sends, which the actor did not do).

    Returns
    -------
    pandas.DataFrame
        ``rank, path, steps, truncated, customers, share`` where ``steps`` is the list of step
        names, ``customers`` the actors whose path it is and ``share`` their share of all actors
        who reached ``to``. ``attrs["converters"]`` holds that total and ``attrs["distinct"]``
        the number of distinct paths.

    Examples
    --------
    >>> top_paths(store.table("events"), max_steps=4, top=5)  # doctest: +SKIP
    """
    _check_int(max_steps, "max_steps", 2)
    _check_int(top, "top", 1)
    check_columns(events, ("event_id", "customer_id", "anonymous_id", "occurred_at", "name", "channel"), what="events")
    ev = events.filter(events.customer_id.notnull() | events.anonymous_id.notnull())
    if exclude:
        ev = ev.filter(~ev.name.isin(list(exclude)))
    step = ev.channel.fill_null("?").concat(":", ev.name) if with_channel else ev.name
    ev = ev.mutate(actor=ibis.coalesce(ev.customer_id, ev.anonymous_id), step=step)
    # a converter's path ends at their first ``to`` event (by time, ties by event_id): find it with
    # group-bys, keep the events up to it with a hash join, and sort only those
    hit = ev.filter(ev.name == to)
    first = hit.group_by("actor").aggregate(_tend=hit.occurred_at.min())
    tie = hit.join(first, "actor")
    tie = tie.filter(tie.occurred_at == tie._tend)
    end = tie.group_by("actor").aggregate(_tend=tie._tend.min(), _eend=tie.event_id.min())
    ev = ev.join(end, "actor")
    ev = ev.filter((ev.occurred_at < ev._tend) | ((ev.occurred_at == ev._tend) & (ev.event_id <= ev._eend)))
    if collapse_repeats:
        w = ibis.window(group_by=ev.actor, order_by=[ev.occurred_at, ev.event_id])
        ev = ev.mutate(_prev=ev.step.lag().over(w))
        ev = ev.filter(ev._prev.isnull() | (ev._prev != ev.step))
    w3 = ibis.window(group_by=ev.actor, order_by=[ibis.desc(ev.occurred_at), ibis.desc(ev.event_id)])
    ev = ev.mutate(back=ibis.row_number().over(w3))
    per_actor = ev.group_by("actor").aggregate(
        _len=ev.back.max() + 1,
        **{f"s{i}": ibis.ifelse(ev.back == i, ev.step, ibis.null("string")).max() for i in range(max_steps)},
    )
    per_actor = per_actor.mutate(truncated=per_actor._len > max_steps)
    cols = [f"s{i}" for i in range(max_steps)] + ["truncated"]
    counts = per_actor.group_by(cols).aggregate(customers=per_actor.count()).execute()
    total = int(counts["customers"].sum()) if len(counts) else 0
    rows = []
    for r in counts.itertuples(index=False):
        steps = [getattr(r, f"s{i}") for i in range(max_steps)]
        steps = [s for s in reversed(steps) if s is not None and not pd.isna(s)]
        trunc = bool(r.truncated)
        path = (ELLIPSIS + PATH_SEPARATOR if trunc else "") + PATH_SEPARATOR.join(steps)
        rows.append({"path": path, "steps": steps, "truncated": trunc, "customers": int(r.customers)})
    out = pd.DataFrame(rows, columns=["path", "steps", "truncated", "customers"])
    out = out.sort_values(["customers", "path"], ascending=[False, True], kind="stable").head(top)
    out = out.reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    out["share"] = out["customers"] / total if total else float("nan")
    out.attrs.update(converters=total, distinct=len(counts), to=to, max_steps=max_steps)
    return out


def sankey(paths: pd.DataFrame, lang: str = "vi", *, title: str | None = None) -> Any:
    """A plotly Sankey figure of :func:`top_paths`: one column per step, all paths ending at the right.

    Parameters
    ----------
    paths
        The frame returned by :func:`top_paths` (``steps``, ``truncated`` and ``customers`` are used).
    lang
        ``"vi"`` or ``"en"`` for the labels.
    title
        Figure title (a default in ``lang`` when not given).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    check_lang(lang)
    width = max((len(s) + (1 if t else 0) for s, t in zip(paths["steps"], paths["truncated"], strict=True)), default=0)
    nodes: dict[tuple[int, str], int] = {}
    links: dict[tuple[int, int], int] = {}

    def node(col: int, name: str) -> int:
        return nodes.setdefault((col, name), len(nodes))

    for steps, trunc, n in zip(paths["steps"], paths["truncated"], paths["customers"], strict=True):
        seq = ([ELLIPSIS] if trunc else []) + list(steps)
        start = width - len(seq)
        ids = [node(start + j, s) for j, s in enumerate(seq)]
        for a, b in itertools.pairwise(ids):
            links[(a, b)] = links.get((a, b), 0) + int(n)
    labels = [""] * len(nodes)
    xs = [0.0] * len(nodes)
    for (col, name), i in nodes.items():
        ch, _, ev = name.rpartition(":") if ":" in name else ("", "", name)
        text = label(ev, lang)
        labels[i] = f"{label(ch, lang)}: {text}" if ch else text
        xs[i] = 0.01 + 0.98 * col / max(width - 1, 1)
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "pad": 14, "thickness": 14, "x": xs},
            link={
                "source": [a for a, _ in links],
                "target": [b for _, b in links],
                "value": list(links.values()),
            },
        )
    )
    default = {"en": "Top paths to the first purchase", "vi": "Các hành trình phổ biến đến lần mua đầu tiên"}
    fig.update_layout(title=title or default[lang], height=420, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig
