"""A self-contained HTML page with static charts: PNGs drawn by matplotlib (Agg, no display)
and embedded as base64, tables below them. No scripts, no fonts or styles fetched: it opens
offline and prints.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from clearway.reporting.measure import GroupTotals, Summary
from clearway.reporting.render import Row

TOP = 12
"""Groups shown per chart; the rest are summed into "other"."""

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
.figures { display: flex; flex-wrap: wrap; gap: 1.5em; }
.figure { background: #fafafa; border: 1px solid #ddd; padding: .5em 1em; }
.kpi { display: inline-block; margin: 0 2em .5em 0; }
.kpi b { display: block; font-size: 1.5em; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: .2em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { color: #555; font-size: .9em; }
"""


def _figure() -> tuple[Figure, Axes]:
    """A figure on the Agg canvas, outside pyplot: no display, no global figure state."""
    figure = Figure(figsize=(7.5, 3.8))
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _image(figure: Figure, alt: str) -> str:
    return (
        f'<div class="figure"><img alt="{html.escape(alt)}" '
        f'src="data:image/png;base64,{_png(figure)}"></div>'
    )


def _top(rows: list[tuple[str, GroupTotals]]) -> list[tuple[str, GroupTotals]]:
    if len(rows) <= TOP:
        return rows
    other = GroupTotals()
    for _key, totals in rows[TOP - 1 :]:
        other.parcels += totals.parcels
        other.at_sale += totals.at_sale
        other.at_import += totals.at_import
        for kind, amount in totals.by_type.items():
            other.by_type[kind] = other.by_type.get(kind, Decimal(0)) + amount
    return [*rows[: TOP - 1], ("other", other)]


def _in_currency(summary: Summary, dimension: str) -> list[tuple[str, GroupTotals]]:
    """The groups in the reporting currency (groups left in another currency are tabled only)."""
    return _top([(k, t) for k, c, t in summary.rows(dimension) if c == summary.currency])


def revenue_chart(summary: Summary, dimension: str, title: str) -> Figure:
    """Revenue per group, stacked by charge type."""
    rows = _in_currency(summary, dimension)
    types = summary.charge_types
    figure, axes = _figure()
    keys = [key for key, _ in rows]
    bottom = [0.0] * len(rows)
    for index, kind in enumerate(types):
        values = [float(t.by_type.get(kind, Decimal(0))) for _, t in rows]
        axes.bar(
            keys,
            values,
            bottom=bottom,
            label=kind.replace("_", " ").lower(),
            color=_PALETTE[index % len(_PALETTE)],
        )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(title)
    axes.set_ylabel(summary.currency)
    axes.tick_params(axis="x", labelrotation=45 if len(keys) > 6 else 0)
    if types:
        # Outside the plot area: with many groups, a legend inside covers the tallest bars.
        axes.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.grid(axis="y", alpha=0.3)
    return figure


def collection_chart(summary: Summary) -> Figure:
    """Collected at sale (IOSS, vendor collection) against due at import, per destination."""
    rows = _in_currency(summary, "destination")
    keys = [key for key, _ in rows]
    figure, axes = _figure()
    positions = range(len(keys))
    axes.bar(
        [p - 0.2 for p in positions],
        [float(t.at_sale) for _, t in rows],
        0.4,
        label="at sale",
        color=_PALETTE[2],
    )
    axes.bar(
        [p + 0.2 for p in positions],
        [float(t.at_import) for _, t in rows],
        0.4,
        label="at import",
        color=_PALETTE[0],
    )
    axes.set_xticks(list(positions), keys)
    axes.set_title("Where duties and taxes are collected")
    axes.set_ylabel(summary.currency)
    axes.legend(frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return figure


def parcels_chart(summary: Summary, dimension: str, title: str) -> Figure:
    """Parcels per group, the part needing a full declaration or inspection shaded."""
    counts: dict[str, GroupTotals] = {}
    for key, _currency, totals in summary.rows(dimension):
        merged = counts.setdefault(key, GroupTotals())
        merged.parcels += totals.parcels
        merged.full_declarations += totals.full_declarations
        merged.selected += totals.selected
    rows = sorted(counts.items(), key=lambda kv: -kv[1].parcels)[:TOP]
    keys = [key for key, _ in rows]
    figure, axes = _figure()
    axes.bar(keys, [t.parcels for _, t in rows], color="#c7d7ea", label="parcels")
    axes.bar(
        keys,
        [t.full_declarations for _, t in rows],
        color=_PALETTE[0],
        width=0.5,
        label="full declaration",
    )
    axes.bar(
        keys,
        [t.selected for _, t in rows],
        color=_PALETTE[3],
        width=0.25,
        label="selected for inspection",
    )
    axes.set_title(title)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="x", labelrotation=45 if len(keys) > 6 else 0)
    axes.legend(fontsize="small", frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return figure


def comparison_chart(
    scenarios: Sequence[tuple[str, Summary]], metric: str, title: str, ylabel: str
) -> Figure:
    """One bar per scenario for each destination (in the reporting currency)."""
    destinations: list[str] = []
    values: list[dict[str, float]] = []
    for _label, summary in scenarios:
        by_key: dict[str, float] = {}
        for key, currency, totals in summary.rows("destination"):
            if metric in ("assessed", "burden_per_parcel") and currency != summary.currency:
                continue
            by_key[key] = by_key.get(key, 0.0) + float(_metric(totals, metric))
            if key not in destinations:
                destinations.append(key)
        values.append(by_key)
    destinations = destinations[:TOP]
    figure, axes = _figure()
    width = 0.8 / max(len(scenarios), 1)
    for index, (label, _summary) in enumerate(scenarios):
        offsets = [p - 0.4 + width * (index + 0.5) for p in range(len(destinations))]
        axes.bar(
            offsets,
            [values[index].get(d, 0.0) for d in destinations],
            width,
            label=label,
            color=_PALETTE[index % len(_PALETTE)],
        )
    axes.set_xticks(list(range(len(destinations))), destinations)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.legend(fontsize="small", frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return figure


def _metric(totals: GroupTotals, metric: str) -> Decimal:
    if metric == "assessed":
        return totals.assessed
    if metric == "burden_per_parcel":
        return totals.burden_per_parcel
    if metric == "full_declarations":
        return Decimal(totals.full_declarations)
    return Decimal(totals.selected)


def _table(rows: Sequence[Row], hide: Sequence[str] = ()) -> str:
    if not rows:
        return '<p class="note">nothing to show</p>'
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns and c not in hide)
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page(title: str, body: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><p class="note">generated {stamp}</p>{body}'
        "</body></html>\n"
    )


def report_page(
    summary: Summary,
    title: str,
    rows: Sequence[Row],
    hits: Sequence[Row],
    notes: Sequence[str],
) -> str:
    """The statistics report: key figures, charts, then every table."""
    kpis = "".join(
        f'<span class="kpi"><b>{html.escape(value)}</b>{html.escape(label)}</span>'
        for label, value in _key_figures(summary)
    )
    figures = "".join(
        (
            _image(
                revenue_chart(summary, "destination", "Revenue by destination and tax"),
                "revenue by destination and tax",
            ),
            _image(collection_chart(summary), "collected at sale against at import"),
            _image(parcels_chart(summary, "regime", "Parcels by regime"), "parcels by regime"),
            _image(
                parcels_chart(summary, "channel", "Parcels by risk channel"),
                "parcels by risk channel",
            ),
            _image(
                revenue_chart(summary, "hs_chapter", "Revenue by HS chapter"),
                "revenue by HS chapter",
            ),
            _image(revenue_chart(summary, "origin", "Revenue by origin"), "revenue by origin"),
        )
    )
    sections = "".join(
        f"<h2>By {html.escape(dimension.replace('_', ' '))}</h2>"
        + _table([r for r in rows if r["dimension"] == dimension], hide=("dimension",))
        for dimension in dict.fromkeys(r["dimension"] for r in rows)
    )
    note_list = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    body = (
        f'<div>{kpis}</div><div class="figures">{figures}</div>{sections}'
        f"<h2>Inspections and hit rate of the risk rules</h2>{_table(hits)}"
        f'<h2>Notes</h2><ul class="note">{note_list}</ul>'
    )
    return _page(title, body)


def simulation_page(
    scenarios: Sequence[tuple[str, Summary]], title: str, rows: Sequence[Row], notes: Sequence[str]
) -> str:
    """The comparison of scenarios: revenue, full declarations, workload and burden."""
    currency = scenarios[0][1].currency if scenarios else ""
    figures = "".join(
        (
            _image(
                comparison_chart(scenarios, "assessed", "Revenue by destination", currency),
                "revenue by destination per scenario",
            ),
            _image(
                comparison_chart(
                    scenarios, "full_declarations", "Parcels needing a full declaration", "parcels"
                ),
                "full declarations per scenario",
            ),
            _image(
                comparison_chart(scenarios, "selected", "Selected for inspection", "parcels"),
                "inspections per scenario",
            ),
            _image(
                comparison_chart(scenarios, "burden_per_parcel", "Burden per parcel", currency),
                "burden per parcel per scenario",
            ),
        )
    )
    note_list = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    body = (
        f'<div class="figures">{figures}</div><h2>Scenarios compared</h2>{_table(rows)}'
        f'<h2>Notes</h2><ul class="note">{note_list}</ul>'
    )
    return _page(title, body)


def _key_figures(summary: Summary) -> list[tuple[str, str]]:
    figures = [("parcels", f"{summary.parcels:,}")]
    for currency, totals in summary.total():
        figures.append((f"assessed ({currency})", f"{totals.assessed:,.2f}"))
        figures.append((f"collected at sale ({currency})", f"{totals.at_sale:,.2f}"))
    hits = summary.inspections
    figures.append(("selected for inspection", f"{hits.selected:,}"))
    if hits.hit_rate is not None:
        figures.append(("hit rate of inspections", f"{hits.hit_rate:.1%}"))
    return figures
