"""Accuracy report of the classification model: `python -m clearway.classification.evaluate`.

Builds the model without a fixed-seed 20% of the parcel references, classifies that held-back
part and prints HS-6/HS-4/HS-2 accuracy, calibration and accuracy above confidence thresholds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from clearway.classification.training import SPLIT_SEED, ReferenceData, evaluate
from clearway.reference.classification_refs import load_parcel_references, load_search_references
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.hs import load_nomenclature
from clearway.reference.tariff import load_tariff


def load_reference_data(data_dir: Path) -> ReferenceData:
    """Read the nomenclature, both reference sets and the tariff from a data directory."""
    return ReferenceData(
        nomenclature=load_nomenclature(data_dir),
        search_references=load_search_references(data_dir),
        parcel_references=load_parcel_references(data_dir),
        tariff=load_tariff(data_dir),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="reference data directory (default: ../shared/data)")
    parser.add_argument("--seed", type=int, default=SPLIT_SEED, help="split seed")
    args = parser.parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    started = time.perf_counter()
    report = evaluate(load_reference_data(data_dir), seed=args.seed)
    print(f"data {data_dir}")
    for line in report.lines():
        print(line)
    print(f"elapsed {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
