"""`clearway report`, `simulate` and `generate`: measurement over the store, policy replays,
and the synthetic manifests they are tried on.

`add_commands(subparsers)` adds them to the main `clearway` parser; each handler returns the
process exit code (0 done, 2 unusable input).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from clearway.manifest import read_manifest
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.fx import load_rates
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.generator import (
    KINDS,
    ManifestGenerator,
    Mix,
    catalogue,
    listed_names,
    write_manifest,
)
from clearway.reporting.inspections import (
    InspectionLog,
    InspectionOutcome,
    latest_results,
    read_inspection_file,
)
from clearway.reporting.measure import DIMENSIONS, Measurement, Summary, rate_converter
from clearway.reporting.reader import DecisionReader, Period
from clearway.reporting.render import (
    Row,
    comparison_rows,
    hit_rows,
    report_rows,
    write_csv,
    write_json,
    write_table,
)
from clearway.runtime.errors import InvalidArgument
from clearway.runtime.settings import Settings
from clearway.store import open_store
from clearway.v1 import common_pb2

FORMATS = ("table", "csv", "json")
STDIN = Path("-")
NOTES = (
    "Amounts are converted into the reporting currency at the ECB reference rate of each "
    "parcel's declaration date (after the rates file ends, at its last rate, as valuation "
    "charged them); a group shown in another currency had no rate.",
    "A full declaration is needed under any regime that is not a low-value one "
    "(IOSS, *_LOW_VALUE, *_DE_MINIMIS, *_GIFT).",
    "Selected for inspection: outcome INSPECT or the red risk channel. Inspection workload: "
    "those, plus the selectivity times the other parcels that need a full declaration.",
    "Hit rate: parcels selected for inspection whose recorded result says something was found, "
    "among those with a recorded result.",
)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from error


def _fraction(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from error
    if not Decimal(0) <= value <= Decimal(1):
        raise argparse.ArgumentTypeError("selectivity is a share between 0 and 1")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from error
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1 parcel")
    return value


def _dimensions(text: str) -> tuple[str, ...]:
    chosen = tuple(d.strip() for d in text.split(",") if d.strip())
    unknown = [d for d in chosen if d not in DIMENSIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(DIMENSIONS)}")
    return chosen


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table", help="default: table")
    parser.add_argument("--output", type=Path, help="write the table/CSV/JSON here, not stdout")
    parser.add_argument("--html", type=Path, help="also write an HTML page with charts")
    parser.add_argument("--currency", default="EUR", help="reporting currency (default EUR)")
    parser.add_argument(
        "--selectivity",
        type=_fraction,
        default=Decimal("0.05"),
        help="share of other full declarations customs inspects (default 0.05)",
    )
    parser.add_argument("--data-dir", type=Path, help="reference data (default from settings)")


def _period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="store URL (default CLEARWAY_DB / settings)")
    parser.add_argument("--from", dest="start", type=_date, help="declared on or after DATE")
    parser.add_argument("--to", dest="end", type=_date, help="declared before DATE")
    parser.add_argument("--partner", help="only this partner's declarations")


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `report` and `simulate` to the `clearway` command line."""
    report = subparsers.add_parser("report", help="statistics of the stored decisions for a period")
    _period_options(report)
    _common(report)
    report.add_argument(
        "--by",
        type=_dimensions,
        default=DIMENSIONS,
        help=f"comma-separated dimensions (default all: {','.join(DIMENSIONS)})",
    )
    report.add_argument(
        "--inspections",
        type=Path,
        help="also weigh these inspection results (JSONL or CSV, as `inspections record` reads)"
        " over the recorded ones, without recording them",
    )
    report.set_defaults(handler=command_report)

    simulate = subparsers.add_parser(
        "simulate", help="replay parcels under several rule-pack sets and compare"
    )
    simulate.add_argument(
        "--manifest",
        type=Path,
        help="JSONL manifest of declarations, - for stdin (or --db: the stored ones)",
    )
    _period_options(simulate)
    simulate.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        help="a rule-pack directory; repeat for each scenario (default: the settings' rules)",
    )
    simulate.add_argument(
        "--as-of",
        type=_date,
        action="append",
        default=[],
        help="evaluate every parcel as declared on DATE; repeat to compare dates",
    )
    simulate.add_argument(
        "--date-shift", type=int, default=0, help="move every declaration date by DAYS"
    )
    simulate.add_argument(
        "--by",
        choices=DIMENSIONS[1:],
        default="destination",
        help="the breakdown compared (default destination)",
    )
    simulate.add_argument("--chunk", type=int, default=500, help="parcels per domain batch")
    simulate.add_argument(
        "--workers",
        type=int,
        choices=(1, 2),
        default=2 if (os.cpu_count() or 1) > 1 else 1,
        help="processes: 2 values and decides in a second one while risk is assessed in order"
        " (default 2 on a machine with more than one core)",
    )
    _common(simulate)
    simulate.set_defaults(handler=command_simulate)

    inspections = subparsers.add_parser(
        "inspections", help="inspection outcomes recorded by officers"
    )
    actions = inspections.add_subparsers(dest="action", required=True)
    record = actions.add_parser(
        "record", help="record the outcomes in FILE (JSONL or CSV) in the store"
    )
    record.add_argument(
        "file",
        type=Path,
        help="declaration_id, found, [partner_id, inspected_at, finding_codes, note]",
    )
    record.add_argument("--db", help="store URL (default CLEARWAY_DB / settings)")
    record.add_argument("--partner", help="partner of rows that name none")
    record.set_defaults(handler=command_inspections_record)

    generate = subparsers.add_parser(
        "generate", help="write a synthetic, realistic e-commerce manifest (JSONL)"
    )
    generate.add_argument("--parcels", type=_count, required=True, help="how many parcels")
    generate.add_argument("--seed", type=int, default=1, help="same seed, same bytes (default 1)")
    generate.add_argument("--output", type=Path, help="the JSONL file (default stdout)")
    generate.add_argument("--prefix", default="SYN", help="declaration id prefix (default SYN)")
    generate.add_argument("--data-dir", type=Path, help="reference data (default from settings)")
    generate.add_argument("--start", type=_date, help="first declaration date (default 2026-06-01)")
    generate.add_argument("--days", type=int, help="days the dates spread over (default 122)")
    for name, default in (
        ("listed", Mix.listed_share),
        ("split", Mix.split_share),
        ("preference", Mix.preference_share),
        ("gift", Mix.gift_share),
    ):
        generate.add_argument(
            f"--{name}-share",
            type=float,
            default=default,
            help=f"share of {name} parcels (default {default})",
        )
    generate.set_defaults(handler=command_generate)


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "data_dir", None) is not None:
        settings = dataclasses.replace(settings, data_dir=args.data_dir)
    if getattr(args, "db", None):
        settings = dataclasses.replace(settings, database_url=args.db)
    return settings


def _emit(args: argparse.Namespace, write: Any) -> None:
    if args.output is None:
        write(sys.stdout)
        return
    with args.output.open("w", encoding="utf-8", newline="") as out:
        write(out)
    print(f"wrote {args.output}", file=sys.stderr)


def command_report(args: argparse.Namespace) -> int:
    """Measure the stored decisions of a period."""
    settings = _settings(args)
    supplied = _inspection_file(args.inspections, "report") if args.inspections else []
    if supplied is None:
        return 2
    rates = load_rates(resolve_data_dir(settings.data_dir))
    period = Period(args.start, args.end)
    store = open_store(settings.database_url)
    try:
        recorded = InspectionLog(store).outcomes(period, args.partner)
        # The file's results are the latest word: they come after the recorded ones.
        results = latest_results([*recorded, *supplied])
        measurement = Measurement(
            currency=args.currency,
            convert=rate_converter(rates, args.currency),
            inspection_results=results,
        )
        for parcel in DecisionReader(store).parcels(period, args.partner):
            measurement.add(parcel)
    finally:
        store.close()
    summary = measurement.summary()
    rows = report_rows(summary, args.selectivity, args.by)
    hits = hit_rows(summary)
    period_text = f"{args.start or 'start'} to {args.end or 'now'}"

    def write(out: TextIO) -> None:
        if args.format == "csv":
            write_csv(rows, out)
        elif args.format == "json":
            write_json(_report_document(summary, rows, hits, period_text), out)
        else:
            out.write(f"{summary.parcels} parcels declared {period_text}: {_outcomes(summary)}\n")
            for dimension in args.by:
                write_table(
                    [r for r in rows if r["dimension"] == dimension],
                    out,
                    f"by {dimension.replace('_', ' ')}",
                    hide=("dimension",),
                )
            write_table(hits, out, "inspections and hit rate of the risk rules")
            if summary.unrecorded_results:
                out.write(
                    f"\n{summary.unrecorded_results} inspection results are for parcels the "
                    "rules did not select (control checks)\n"
                )

    _emit(args, write)
    if args.html is not None:
        from clearway.reporting.charts import report_page

        notes = [
            *NOTES,
            f"{len(recorded)} inspection outcomes recorded, {len(supplied)} supplied in a file.",
        ]
        page = report_page(summary, f"Clearway report, {period_text}", rows, hits, notes)
        args.html.write_text(page, encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    return 0


def _inspection_file(path: Path, command: str) -> list[InspectionOutcome] | None:
    """The file's inspections, or None after printing every bad field."""
    try:
        return read_inspection_file(path)
    except OSError as error:
        print(f"clearway {command}: {error}", file=sys.stderr)
    except InvalidArgument as error:
        _refused(command, error)
    return None


def _refused(command: str, error: InvalidArgument) -> None:
    print(f"clearway {command}: {error.message}", file=sys.stderr)
    for violation in error.violations:
        print(f"  {violation.field}: {violation.description}", file=sys.stderr)


def command_inspections_record(args: argparse.Namespace) -> int:
    """Record an officer's inspection outcomes in the store (all rows, or none)."""
    outcomes = _inspection_file(args.file, "inspections record")
    if outcomes is None:
        return 2
    store = open_store(_settings(args).database_url)
    try:
        recorded = InspectionLog(store).record(outcomes, partner_id=args.partner or "")
    except InvalidArgument as error:
        _refused("inspections record", error)
        return 2
    finally:
        store.close()
    found = sum(o.found for o in outcomes)
    print(f"recorded {recorded} inspection outcomes ({found} found something)", file=sys.stderr)
    return 0


def _outcomes(summary: Summary) -> str:
    return ", ".join(f"{count} {name.lower()}" for name, count in sorted(summary.outcomes.items()))


def _report_document(
    summary: Summary, rows: Sequence[Row], hits: Sequence[Row], period: str
) -> dict[str, Any]:
    return {
        "period": period,
        "currency": summary.currency,
        "parcels": summary.parcels,
        "outcomes": dict(sorted(summary.outcomes.items())),
        "groups": list(rows),
        "inspections": list(hits),
        "inspection_results_for_unselected_parcels": summary.unrecorded_results,
    }


def _stored_declarations(
    settings: Settings, args: argparse.Namespace
) -> Iterator[common_pb2.Declaration]:
    """Declarations read back from the store (read only)."""
    store = open_store(settings.database_url)
    try:
        period = Period(args.start, args.end)
        for stored in DecisionReader(store).declarations(period, args.partner):
            yield common_pb2.Declaration.FromString(stored.payload)
    finally:
        store.close()


def _manifest(path: Path, problems: list[str]) -> Iterator[common_pb2.Declaration]:
    for line in read_manifest(path):
        if line.declaration is None:
            problems.append(line.problem)
        else:
            yield line.declaration


def command_simulate(args: argparse.Namespace) -> int:
    """Replay a manifest (or the stored declarations) under each scenario and compare."""
    settings = _settings(args)
    if (args.manifest is None) == (not args.db):
        print("clearway simulate: give either --manifest FILE or --db URL", file=sys.stderr)
        return 2
    if args.manifest == STDIN:
        args.manifest = Path("/dev/stdin")
    elif args.manifest is not None and not args.manifest.is_file():
        print(f"clearway simulate: no manifest at {args.manifest}", file=sys.stderr)
        return 2
    missing = [str(d) for d in args.rules if not d.is_dir()]
    if missing:
        print(f"clearway simulate: no rule-pack directory {', '.join(missing)}", file=sys.stderr)
        return 2
    # Imported here: the simulator builds every service's domain, which `clearway serve` must
    # not pay for just because this command shares its parser.
    from clearway.reporting.simulation import Simulator, read_in_background, scenarios

    specs = scenarios(args.rules or [settings.rules_dir], args.as_of, args.date_shift)
    problems: list[str] = []
    with Simulator(specs, settings) as simulator:
        if args.manifest is None:
            declarations = _stored_declarations(settings, args)
        elif args.workers > 1:
            declarations = read_in_background(args.manifest, problems, args.chunk)
        else:
            declarations = _manifest(args.manifest, problems)
        summaries = simulator.summarise(
            declarations, args.currency, chunk=args.chunk, workers=args.workers
        )
        unreadable = simulator.unreadable + len(problems)
    compared = [(spec.label, s) for spec, s in zip(specs, summaries, strict=True)]
    rows = comparison_rows(compared, args.selectivity, args.by)

    def write(out: TextIO) -> None:
        if args.format == "csv":
            write_csv(rows, out)
        elif args.format == "json":
            write_json(
                {
                    "currency": args.currency,
                    "selectivity": str(args.selectivity),
                    "unreadable_declarations": unreadable,
                    "scenarios": [
                        {
                            "label": label,
                            "parcels": summary.parcels,
                            "outcomes": dict(sorted(summary.outcomes.items())),
                        }
                        for label, summary in compared
                    ],
                    "rows": list(rows),
                },
                out,
            )
        else:
            for label, summary in compared:
                out.write(f"{label}: {summary.parcels} parcels, {_outcomes(summary)}\n")
            if unreadable:
                out.write(f"{unreadable} declarations could not be read and were left out\n")
            write_table(rows, out, f"scenarios compared by {args.by}")

    _emit(args, write)
    if args.html is not None:
        from clearway.reporting.charts import simulation_page

        notes = [*NOTES, *(f"scenario {i + 1}: {s.label}" for i, s in enumerate(specs))]
        page = simulation_page(compared, "Clearway policy simulation", rows, notes)
        args.html.write_text(page, encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    return 0


def command_generate(args: argparse.Namespace) -> int:
    """Write a synthetic manifest; the planted parcels are counted on stderr."""
    mix = Mix(
        listed_share=args.listed_share,
        split_share=args.split_share,
        preference_share=args.preference_share,
        gift_share=args.gift_share,
        start=args.start or Mix.start,
        days=args.days if args.days is not None else Mix.days,
    )
    problems = mix.problems()
    if problems:
        print(f"clearway generate: {'; '.join(problems)}", file=sys.stderr)
        return 2
    data_dir = resolve_data_dir(_settings(args).data_dir)
    names = listed_names(load_sanctions(data_dir)) if mix.listed_share else []
    generator = ManifestGenerator(
        args.parcels, args.seed, catalogue(data_dir), names, mix, prefix=args.prefix
    )
    if args.output is None:
        try:
            kinds = write_manifest(iter(generator), sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader stopped (e.g. `| head`); its own error, if any, is the one to show.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
    else:
        with args.output.open("w", encoding="utf-8") as out:
            kinds = write_manifest(iter(generator), out)
    planted = ", ".join(f"{kinds[k]} {k}" for k in KINDS)
    print(f"clearway generate: {args.parcels} parcels ({planted})", file=sys.stderr)
    return 0
