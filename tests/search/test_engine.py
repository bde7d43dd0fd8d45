"""search.engine answers exactly as Whoosh does: same hits, count, order, scores and facet counts.

Each test writes documents straight into the test's Whoosh index (several segments, some
deletions) and compares the backend's search with haystack's own WhooshSearchBackend.search,
which runs Whoosh's matchers, collectors and facet categorizers.
"""

import random
from io import BytesIO

import pytest
from haystack.backends.whoosh_backend import WhooshSearchBackend

from search import engine
from search.backend import cache
from search.query import build
from search.whoosh_files import MemoryReader, ZeroCopyBufferFile
from tests.search.conftest import write_documents

WORDS = [
    *("legislația", "legislației", "legislatia", "consiliul", "consiliului", "local", "locală"),
    *("locale", "buget", "bugetul", "bugetului", "proiect", "proiectul", "proiectului"),
    *("public", "publică", "parc", "parcuri", "transport", "transportul", "закона", "законите"),
    *("закон", "община", "общината", "общински", "бюджет", "бюджета", "проект", "проекта"),
    *("apă", "canalizare", "școală", "școlii", "deszăpezire"),
]
ORGANIZATIONS = ["Asociația Vrancea Civică", 'Asociația "Pro Vrancea"', "Фондация Отворено", "Alt"]
STATUSES = ["published", "withdrawn", "adopted"]
TOPICS = ["urban", "health", "transport", "environment"]


def document(rng, number):
    vocabulary = WORDS[: rng.choice((8, 20, len(WORDS)))]
    words = [rng.choice(vocabulary) for _ in range(rng.randint(3, 40))]
    if rng.random() < 0.3:
        words[1:1] = ["consiliul", "local"]
    topics = ",".join(rng.sample(TOPICS, rng.choice((0, 1, 1, 2))))
    organization = rng.choice(ORGANIZATIONS)
    status = rng.choice(STATUSES)
    year = rng.choice((2024, 2025, 2026))
    return {
        "id": f"proposals.proposal.{number}",
        "django_ct": "proposals.proposal",
        "django_id": str(number),
        "text": " ".join(words),
        "title": f"Propunere {number}",
        "content_type": "proposal",
        "content_type_exact": "proposal",
        "status": status,
        "status_exact": status,
        "organization": organization,
        "organization_exact": organization,
        "topics": topics,
        "topics_exact": topics,
        "year": year,
        "year_exact": year,
        "url": f"/proposals/p-{number}/",
    }


@pytest.fixture
def corpus(backend):
    """300 documents in four segments, a few deleted after being written."""
    rng = random.Random(7)
    numbers = iter(range(1, 10_000))
    for size, deleted in ((120, ()), (90, (3, 50, 121)), (60, (150, 151)), (30, (7, 250))):
        write_documents(backend, [document(rng, next(numbers)) for _ in range(size)], deleted)
    return backend


QUERIES = [
    "legislatia",
    "legislației",
    "consiliul local",
    "buget proiectul",
    "parc",
    "apă",
    "закона",
    "община бюджет",
    "проект",
    '"consiliul local"',
    '"consiliul local" buget',
    '"local consiliul"',
    '"buget buget"',
    "inexistent",
    "canalizare școală deszăpezire",
]
FILTERS = [
    {},
    {"year": "2025"},
    {"status": "withdrawn"},
    {"organization": 'Asociația "Pro Vrancea"'},
    {"topic": "transport", "organization": "Фондация Отворено"},
    {"topic": "nothing-like-this"},
]


def both(backend, text, filters, start=0, end=20):
    sqs = build(text, filters)
    params = sqs.query.build_params()
    params.update(start_offset=start, end_offset=end)
    query_string = sqs.query.build_query()
    fast = backend.search(query_string, **params)
    whoosh = WhooshSearchBackend.search(backend, query_string, **params)
    return fast, whoosh


def comparable(found):
    """Hits, page and facets. Scores are compared to 12 significant digits: the engine adds the
    same BM25 terms as Whoosh, in another order, so the last bit of a sum may differ."""
    return (
        found["hits"],
        [(result.pk, float(f"{result.score:.12g}")) for result in found["results"]],
        found.get("facets"),
    )


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("text", QUERIES)
def test_engine_same_results_as_whoosh(corpus, text, filters):
    fast, whoosh = both(corpus, text, filters)
    assert comparable(fast) == comparable(whoosh)


@pytest.mark.parametrize("text", ["consiliul", "buget proiectul", '"consiliul local"'])
def test_engine_same_later_pages_as_whoosh(corpus, text):
    for start, end in ((20, 40), (40, 60), (1000, 1020)):
        fast, whoosh = both(corpus, text, {}, start, end)
        assert comparable(fast) == comparable(whoosh)


def test_engine_facet_counts_exact(corpus):
    fast, whoosh = both(corpus, "consiliul", {})

    fields = fast["facets"]["fields"]
    assert fields == whoosh["facets"]["fields"]
    # Counted by hand from the documents that are live.
    searcher = corpus.current().searcher
    hits = [
        fields
        for fields in searcher.all_stored_fields()
        if "consiliul" in fields["text"].split() or "consiliului" in fields["text"].split()
    ]
    assert fast["hits"] == len(hits)
    by_status = {}
    for fields in hits:
        by_status[fields["status_exact"]] = by_status.get(fields["status_exact"], 0) + 1
    assert dict(fields_of(fast, "status_exact")) == by_status
    topics = {}
    for fields in hits:
        for topic in fields["topics_exact"].split(",") if fields["topics_exact"] else [None]:
            topics[topic] = topics.get(topic, 0) + 1
    assert dict(fields_of(fast, "topics_exact")) == topics


def fields_of(found, field):
    return found["facets"]["fields"][field]


def test_engine_same_results_with_a_tiny_cache(corpus):
    """Everything decoded is dropped at once: answers must not depend on what is kept."""
    budget = cache().budget
    cache().budget = 1
    try:
        for text in ("buget proiectul", '"consiliul local"', "закона"):
            fast, whoosh = both(corpus, text, {"year": "2026"})
            assert comparable(fast) == comparable(whoosh)
        assert len(cache()) <= 1
    finally:
        cache().budget = budget


def test_engine_leaves_other_queries_to_whoosh(corpus):
    """Shapes the engine does not evaluate (Not, fuzzy terms, boosts) still answer, through
    Whoosh on the thread's searcher, with the site's facets and filters."""
    opened = corpus.current()
    params = build("parc", {"year": "2025"}).query.build_params()
    params["end_offset"] = 20
    for text in ("parc NOT apă", "bugat~", "buget^2"):
        parsed = corpus.parser.parse(text)
        with pytest.raises(engine.Unsupported):
            opened.engine.check(parsed)
        fast = corpus.search(text, **params)
        whoosh = WhooshSearchBackend.search(corpus, text, **params)
        assert comparable(fast) == comparable(whoosh)
        assert fast["hits"] > 0
        assert fast["facets"]["fields"]["year_exact"] == [(2025, fast["hits"])]


def test_engine_segment_lengths_match_whoosh(corpus):
    for segment in corpus.current().engine.segments:
        lengths = segment._length_bytes("text")
        reader = segment.reader
        for doc in range(segment.size):
            expected = reader.doc_field_length(doc, "text", 0)
            decoded = engine.byte_to_length(lengths[doc]) if lengths[doc] else None
            assert decoded == (expected or None)


def test_bits_round_trip():
    rng = random.Random(3)
    for size in (1, 7, 8, 9, 1000):
        docs = sorted(rng.sample(range(size), rng.randint(0, size)))
        assert engine.from_bits(engine.to_bits(docs, size)) == docs


def test_memory_reader_reads_like_bytesio():
    data = b"first line\nsecond\n" + bytes(range(256)) + b"\nend"
    ours, theirs = MemoryReader(memoryview(data)), BytesIO(data)
    rng = random.Random(11)
    for _ in range(300):
        operation = rng.choice(("read", "readline", "seek", "readinto"))
        if operation == "read":
            size = rng.choice((-1, 0, 1, 5, 100))
            assert ours.read(size) == theirs.read(size)
        elif operation == "readline":
            assert ours.readline() == theirs.readline()
        elif operation == "readinto":
            a, b = bytearray(rng.randint(0, 20)), None
            b = bytearray(len(a))
            assert ours.readinto(a) == theirs.readinto(b)
            assert a == b
        else:
            position = rng.randint(0, len(data) + 5)
            assert ours.seek(position) == theirs.seek(position)
        assert ours.tell() == theirs.tell()


def test_segment_files_are_read_in_place(corpus):
    """Opening a searcher maps the segment files instead of copying them (whoosh_files)."""
    reader = corpus.current().engine.segments[0].reader
    postings_file = reader._terms._postfile
    assert isinstance(postings_file, ZeroCopyBufferFile)
    assert isinstance(postings_file.file, MemoryReader)


def test_engine_prefix_scores_in_a_large_segment(backend):
    """Whoosh scores a prefix of three or more terms with BM25 in a segment of more than 5,000
    documents and with a flat 1 in a smaller one: the engine follows both."""
    rng = random.Random(9)
    write_documents(backend, [document(rng, number) for number in range(1, 5200)])
    write_documents(backend, [document(rng, number) for number in range(5200, 5300)])
    segments = backend.current().engine.segments
    assert sorted(segment.size for segment in segments) == [100, 5199]
    for text in ("bugetul", "proiectului consiliul", "законите", '"consiliul local" bugetul'):
        fast, whoosh = both(backend, text, {"year": "2025"})
        assert comparable(fast) == comparable(whoosh)
        assert fast["hits"] > 20
