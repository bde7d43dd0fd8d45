"""Benchmark of splitting the text of a law into its units.

    .venv/bin/python bench/legal_text_bench.py

Prints, for a generated law of 100 articles (three paragraphs and four letters each, about 300
words an article), in Romanian and in Bulgarian: the median time of 5 splits and its ratio to the
0.2 s target. Pure Python: no Django, no database.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from proposals.legal_text import split_act  # noqa: E402
from tests.proposals.test_legal_text import generate_act  # noqa: E402

TARGET = 0.2
ARTICLES = 100
RUNS = 5


def time_split(text, runs=RUNS):
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        act = split_act(text)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), act


def main():
    for language in ("ro", "bg"):
        text = generate_act(ARTICLES, language)
        seconds, act = time_split(text)
        print(
            f"{language}: {ARTICLES} articles, {len(text.split())} words, "
            f"{len(text.splitlines())} lines → {len(act.units)} units: "
            f"{seconds * 1000:.1f} ms median of {RUNS} "
            f"({seconds / TARGET:.1%} of the {TARGET} s target)"
        )


if __name__ == "__main__":
    main()
