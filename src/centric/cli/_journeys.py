"""``centric journeys show``: the purchase funnel and the friction points from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from centric.cli import _render as R


def _boundary(fn: Any) -> Any:
    from centric.cli import _boundary as boundary

    return boundary(fn)


journeys_app = typer.Typer(
    help="Customer journeys: sessions, funnels and friction points.", no_args_is_help=True
)

_H = {
    "en": {
        "funnel": "Purchase funnel (sessions, 30-minute rule)",
        "by": "Funnel by channel",
        "step": "step",
        "n": "entered",
        "next": "went on",
        "conv": "conversion",
        "ci": "95% interval",
        "time": "median time to next",
        "friction": "Friction points (worst first)",
        "rank": "#",
        "where": "where",
        "drop": "drop-off",
        "exp": "expected",
        "z": "z",
        "neg": "negative answers",
        "ces": "CES 2.0",
        "channel": "channel",
        "none": "No friction point above expectation.",
    },
    "vi": {
        "funnel": "Phễu mua hàng (theo phiên, quy tắc 30 phút)",
        "by": "Phễu theo kênh",
        "step": "bước",
        "n": "số vào",
        "next": "đi tiếp",
        "conv": "tỷ lệ chuyển đổi",
        "ci": "khoảng tin cậy 95%",
        "time": "thời gian trung vị",
        "friction": "Điểm ma sát (nặng nhất trước)",
        "rank": "#",
        "where": "ở đâu",
        "drop": "rời bỏ",
        "exp": "kỳ vọng",
        "z": "z",
        "neg": "phản hồi tiêu cực",
        "ces": "CES 2.0",
        "channel": "kênh",
        "none": "Không có điểm ma sát nào cao hơn kỳ vọng.",
    },
}


def _pct(x: Any, lang: str) -> str:
    import math

    return (
        "—" if x is None or (isinstance(x, float) and math.isnan(x)) else R.fmt_percent(100 * float(x), lang)
    )


def _secs(x: Any) -> str:
    import math

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    x = float(x)
    return f"{x:.0f} s" if x < 120 else f"{x / 60:.1f} min" if x < 7200 else f"{x / 3600:.1f} h"


def funnel_table(frame: Any, lang: str, *, by: str | None = None) -> Table:
    """A Rich table of a funnel frame."""
    from centric.i18n import fmt_number
    from centric.journeys._common import label

    h = _H[lang]
    table = Table(title=h["by"] if by else h["funnel"])
    cols = ([h["channel"]] if by else []) + [h["step"], h["n"], h["next"], h["conv"], h["ci"], h["time"]]
    for c in cols:
        table.add_column(c, justify="left" if c in (h["step"], h["channel"]) else "right")
    for r in frame.to_dict("records"):
        cells = [label(r[by], lang)] if by else []
        conv = r["converted"]
        cells += [
            label(r["step"], lang),
            fmt_number(int(r["entered"]), lang),
            "—" if conv is None or conv != conv else fmt_number(int(conv), lang),
            _pct(r["conversion"], lang),
            "—" if r["low"] != r["low"] else f"{_pct(r['low'], lang)} … {_pct(r['high'], lang)}",
            _secs(r["median_seconds_to_next"]),
        ]
        table.add_row(*cells)
    return table


def friction_table(friction: Any, lang: str, *, top: int = 8) -> Table:
    """A Rich table of the top friction points."""
    from centric.i18n import fmt_number
    from centric.journeys._common import label

    h = _H[lang]
    table = Table(title=h["friction"])
    for c in (h["rank"], h["where"], h["n"], h["drop"], h["exp"], h["z"], h["neg"], h["ces"]):
        table.add_column(c, justify="left" if c == h["where"] else "right")
    for r in friction.head(top).to_dict("records"):
        a, _, b = str(r["step"]).partition("→")
        where = f"{label(r['group'], lang)}: {label(a, lang)} → {label(b, lang)}"
        style = "bold red" if r["is_friction"] else None
        neg = (
            f"{_pct(r['negative_share'], lang)} ({fmt_number(int(r['negative_n']), lang)}/"
            f"{fmt_number(int(r['feedback_n']), lang)})"
            if r["feedback_n"]
            else "—"
        )
        ces = fmt_number(r["ces_mean"], lang, 2) if r["ces_n"] else "—"
        table.add_row(
            str(r["rank"]),
            where,
            fmt_number(int(r["entered"]), lang),
            _pct(r["drop_off"], lang),
            _pct(r["expected_drop_off"], lang),
            fmt_number(r["z"], lang, 1),
            neg,
            ces,
            style=style,
        )
    return table


@journeys_app.command("show")
@_boundary
def show_cmd(
    top: Annotated[int, typer.Option("--top", min=1, help="How many friction points to show.")] = 5,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="vi or en.")] = None,
) -> None:
    """Print the purchase funnel (overall and by channel) and the friction points, worst first."""
    from centric import journeys
    from centric.cli import _lang, _open, _settings

    s = _settings(workspace)
    lg = _lang(lang, s)
    with _open(s) as store:
        events = store.table("events")
        overall = journeys.funnel(events)
        if overall.empty or int(overall["entered"].iloc[0]) == 0:
            R.console.print(
                {
                    "en": "No web/app page views in the store: there is no funnel to show.",
                    "vi": "Kho dữ liệu chưa có lượt xem trang web/ứng dụng: chưa có phễu để hiển thị.",
                }[lg]
            )
            return
        by_channel = journeys.funnel(events, by="channel")
        friction = journeys.rank_friction(
            overall,
            by_channel,
            by="channel",
            feedback=store.table("feedback"),
            tickets=store.table("tickets"),
        )
    R.console.print(funnel_table(overall, lg))
    R.console.print(funnel_table(by_channel, lg, by="channel"))
    R.console.print(friction_table(friction, lg, top=top))
    flagged = friction[friction["is_friction"]]
    if flagged.empty:
        R.console.print(_H[lg]["none"])
    for sentence in flagged.head(top)[f"sentence_{lg}"]:
        R.console.print(f"• {sentence}")
