"""Screening speed and quality: `python -m clearway.risk.screening_bench [DATA_DIR]`.

Quality: listed names are distorted the way declarations distort them (typo, reordering,
dropped middle name, suffix, lost diacritics and punctuation) and must still hit their entry;
innocent consumer names, made from common given and family names of several locales, must not
hit. Speed: queries per second of single-party screening. Prints figures; asserts nothing.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import ListedParty, load_sanctions
from clearway.risk.screening import DEFAULT_THRESHOLD, PartyScreener, normalise

GIVEN_NAMES = """
James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth Anna Maria Hans Petra
Lukas Sophie Jean Camille Pierre Chloe Giulia Marco Luca Francesca Jose Carmen Javier Lucia
Joao Ana Pedro Beatriz Jan Katarzyna Piotr Agnieszka Wei Fang Li Na Hiroshi Yuki Haruto Sakura
Min-jun Seo-yeon Olga Ivan Dmitri Natalia Emma Noah Liam Olivia Ahmet Ayse Mehmet Fatma Raj
Priya Arjun Ananya Kwame Ama Chinedu Ngozi Lars Ingrid Sven Astrid Mateo Valentina Thiago
""".split()
FAMILY_NAMES = """
Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Mueller Schmidt Schneider Fischer
Weber Martin Bernard Dubois Thomas Robert Rossi Russo Ferrari Esposito Bianchi Garcia
Fernandez Lopez Martinez Sanchez Silva Santos Oliveira Pereira Nowak Kowalski Wisniewski Wang
Zhang Liu Chen Yang Sato Suzuki Takahashi Tanaka Kim Lee Park Choi Ivanov Smirnov Kuznetsov
Popov Yilmaz Kaya Demir Sahin Sharma Patel Singh Kumar Mensah Okafor Eze Hansen Johansen
Andersson Nilsson Gonzalez Rodriguez Perez
""".split()


def distort(rng: random.Random, name: str, kind: str) -> str | None:
    """One realistic distortion of a listed name, or None when it does not apply."""
    tokens = normalise(name).split()
    if kind == "reordered":
        return " ".join(reversed(tokens)) if len(tokens) > 1 else None
    if kind == "dropped middle name":
        return " ".join(tokens[:1] + tokens[2:]) if len(tokens) >= 3 else None
    if kind == "suffix added":
        return f"{name} Ltd"
    if kind == "lower case, no punctuation":
        return normalise(name)
    longest = max(range(len(tokens)), key=lambda i: len(tokens[i]), default=None)
    if longest is None or len(tokens[longest]) < 5:
        return None
    word = tokens[longest]
    at = rng.randrange(1, len(word) - 1)
    edits = {
        "typo: swapped letters": word[:at] + word[at + 1] + word[at] + word[at + 2 :],
        "typo: dropped letter": word[:at] + word[at + 1 :],
        "typo: doubled letter": word[:at] + word[at] + word[at:],
    }
    tokens[longest] = edits[kind]
    return " ".join(tokens)


KINDS = (
    "reordered",
    "dropped middle name",
    "suffix added",
    "lower case, no punctuation",
    "typo: swapped letters",
    "typo: dropped letter",
    "typo: doubled letter",
)


def main(argv: list[str]) -> int:
    data_dir = Path(argv[1]) if len(argv) > 1 else resolve_data_dir(None)
    rng = random.Random(20261123)
    started = time.perf_counter()
    lists = load_sanctions(data_dir)
    loaded = time.perf_counter()
    screener = PartyScreener.build(lists.parties, lists.versions)
    indexed = time.perf_counter()
    print(
        f"lists: {len(lists)} entries loaded in {loaded - started:.2f} s,"
        f" {screener.index.name_count} names indexed in {indexed - loaded:.2f} s"
    )

    candidates: list[ListedParty] = [p for p in lists.parties if len(normalise(p.name)) >= 6]
    sample = rng.sample(candidates, min(1500, len(candidates)))
    found = total = 0
    per_kind: dict[str, list[int]] = {kind: [0, 0] for kind in KINDS}
    for party in sample:
        kind = rng.choice(KINDS)
        query = distort(rng, party.display_name, kind)
        if query is None:
            continue
        hit = any(
            h.entry_id == party.entry_id and h.list_id == party.list_id
            for h in screener.screen(query)
        )
        found += hit
        total += 1
        per_kind[kind][0] += hit
        per_kind[kind][1] += 1
    print(f"recall at threshold {DEFAULT_THRESHOLD}: {found}/{total} = {found / total:.2%}")
    for kind, (hits, count) in per_kind.items():
        print(f"  {kind:28s} {hits}/{count}")

    innocents = [f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)}" for _ in range(3000)]
    flagged = [name for name in innocents if screener.screen(name)]
    print(
        f"innocent consumer names flagged: {len(flagged)}/{len(innocents)}"
        f" = {len(flagged) / len(innocents):.2%} {sorted(set(flagged))[:8]}"
    )

    queries = [*innocents, *(p.display_name for p in sample)]
    started = time.perf_counter()
    for query in queries:
        screener.screen(query)
    elapsed = time.perf_counter() - started
    print(
        f"speed: {len(queries)} queries in {elapsed:.2f} s = {len(queries) / elapsed:,.0f}"
        f" queries/s, {elapsed / len(queries) * 1000:.3f} ms per party"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
