"""How often the facts read at ingest agree with a hand-checked sample of national reports.

eval/facts-hand-checked.jsonl holds, for 60 reports drawn at random (seed 20261123) from the national corpus
(20 of 2012-2017, 30 of 2018-2025, 10 of 2026), each fact as a person read it from the PDF: a value, null
where the report does not state it (the extractor must then give nothing), and for `improvements` the number
of items listed under what needs to improve (null where not counted). eval/facts-held-out.jsonl holds 30
more (seed 20261124: 10, 15 and 5), checked the same way after every change to the extractor, and scored once. A fact agrees when the extracted value
is the checked one, or both are missing. Also: how long reading the facts takes against reading the report.

    python bench/facts_agreement.py NATIONAL_FOLDER [--all]      (--all: coverage over every report too)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.records import FACT_NAMES  # noqa: E402
from ingest.facts import extract_facts  # noqa: E402
from ingest.parse import read_document  # noqa: E402

SAMPLE = ROOT / "eval" / "facts-hand-checked.jsonl"
CHECKED = [name for name in FACT_NAMES if name != "improvement"] + ["improvements"]


def era(source: str) -> str:
    year = int(source.rsplit(" ", 1)[-1][:4])
    return "2012-2017" if year <= 2017 else "2018-2025" if year <= 2025 else "2026"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("national", type=Path)
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="another hand-checked file (eval/facts-held-out.jsonl)")
    args = parser.parse_args()
    agree, checked = Counter(), Counter()
    by_era: dict[str, Counter] = {}
    misses = []
    reading = extracting = 0.0
    for line in args.sample.read_text().splitlines():
        expected = json.loads(line)
        started = time.perf_counter()
        document = read_document(args.national / expected["source"], expected["source"])
        read_at = time.perf_counter()
        facts = extract_facts(document)
        reading += read_at - started
        extracting += time.perf_counter() - read_at
        got: dict[str, object] = {}
        for fact in facts:
            if fact.fact == "improvement":
                got["improvements"] = int(got.get("improvements", 0)) + 1
            else:
                got.setdefault(fact.fact, fact.value)
        got.setdefault("improvements", 0)
        for name in CHECKED:
            if name == "improvements" and expected[name] is None:
                continue
            checked[name] += 1
            ok = got.get(name) == expected[name]
            agree[name] += ok
            by_era.setdefault(era(expected["source"]), Counter())[name, ok] += 1
            if not ok:
                misses.append(f"{expected['source']}: {name} read {got.get(name)!r}, checked {expected[name]!r}")
    print(f"{'fact':36} agree / checked")
    for name in CHECKED:
        print(f"{name:36} {agree[name]:3} / {checked[name]:3}  {agree[name] / checked[name]:.3f}")
    total_agree, total = sum(agree.values()), sum(checked.values())
    print(f"{'all':36} {total_agree:3} / {total:3}  {total_agree / total:.3f}")
    for name, counts in sorted(by_era.items()):
        ok = sum(v for (_, good), v in counts.items() if good)
        print(f"  {name}: {ok} / {sum(counts.values())}")
    print(f"reading the {len(args.sample.read_text().splitlines())} reports: {reading:.1f} s; reading their facts: {extracting * 1000:.0f} ms "
          f"({100 * extracting / reading:.2f}% of reading)")
    for miss in misses:
        print("  miss:", miss)
    if args.all:
        coverage = Counter()
        reports = sorted(args.national.rglob("*.pdf"))
        for path in reports:
            try:
                document = read_document(path, str(path.relative_to(args.national)))
            except Exception:  # an unreadable report has no facts; ingest reports it
                continue
            coverage.update({f.fact for f in extract_facts(document)})
        print(f"reports with each fact, of {len(reports)}:",
              ", ".join(f"{name} {coverage[name]}" for name in FACT_NAMES))


if __name__ == "__main__":
    main()
