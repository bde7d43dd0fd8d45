"""Fixtures for the search tests: every test gets its own empty Whoosh index and an empty queue.

Proposals are made through the domain (tests.factories.ProposalFactory), so the search
queue sees exactly the writes the site makes.
"""

import re

import pytest
from haystack import connections

from proposals import domain
from proposals.models import Proposal, Topic
from search.models import IndexQueue
from search.query import build
from tests.factories import ProposalFactory, directory_authority
from tests.helpers import save, text_block


@pytest.fixture(autouse=True)
def whoosh_path(settings, tmp_path):
    """An empty index in the test's own directory.

    Haystack's connection handler keeps the settings dict it was created with and caches one
    engine per thread: point both at the copy and drop the cached engine, before and after.
    """
    original = connections.connections_info
    path = tmp_path / "whoosh"
    settings.HAYSTACK_CONNECTIONS = {
        alias: dict(options) for alias, options in settings.HAYSTACK_CONNECTIONS.items()
    }
    settings.HAYSTACK_CONNECTIONS["default"]["PATH"] = str(path)
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    yield path
    connections.connections_info = original
    connections.reload("default")


@pytest.fixture
def backend():
    """This thread's search backend, on the test's index."""
    backend = connections["default"].get_backend()
    backend.setup()
    return backend


@pytest.fixture(autouse=True)
def _empty_queue(db):
    # Every search test uses the database (a django_db marker with transaction=True still wins).
    IndexQueue.objects.all().delete()


def make_proposal(
    editor,
    slug,
    text,
    *,
    title=None,
    publish=True,
    organization=None,
    target_authority=None,
    topics=(),
    language="ro",
):
    """A proposal of `editor`'s organisation whose one text block is `text`, published unless
    `publish=False`. The queue is not drained."""
    organization = organization or editor.memberships.get().organization
    proposal = ProposalFactory(
        editor=editor,
        organization=organization,
        slug=slug,
        title=title or f"Propunere {slug}",
        summary="",
        target_authority=target_authority or directory_authority(),
        topics=list(Topic.objects.filter(slug__in=topics)),
        language=language,
    )
    proposal.refresh_from_db()
    save(editor, proposal, [text_block(proposal.current_revision.blocks[0]["key"], text)])
    if publish:
        domain.publish_proposal(editor, proposal)
    proposal.refresh_from_db()
    return proposal


def slugs_for(text, **filters):
    """The slugs of the proposals a search finds, sorted."""
    sqs = build(text, filters)
    if sqs is None:
        return []
    pks = [int(hit.pk) for hit in sqs]
    slugs = dict(Proposal.objects.filter(pk__in=pks).values_list("pk", "slug"))
    assert len(slugs) == len(pks), "a hit without a proposal in the database"
    return sorted(slugs[pk] for pk in pks)


RESULT_LINK = re.compile(r'<article class="search-result">\s*<h3><a href="/proposals/([^/"]+)/"')


def page_slugs(response):
    """The slugs of the results listed on a search page, sorted."""
    return sorted(RESULT_LINK.findall(response.content.decode()))


def facet_counts(response):
    """{facet name: {value: count}} as the page's context shows them."""
    return {
        name: {value: count for value, _label, count in values}
        for name, values in response.context["facets"].items()
    }


def write_documents(backend, documents, delete=()):
    """Write search documents (dicts of index fields) straight into the Whoosh index in one
    commit, deleting the documents numbered `delete`; no merging, so each call adds a segment."""
    if not backend.setup_complete:
        backend.setup()
    writer = backend.index.refresh().writer()
    for document in documents:
        writer.add_document(**{key: backend._from_python(value) for key, value in document.items()})
    for number in delete:
        writer.delete_by_term("id", f"proposals.proposal.{number}")
    writer.commit(merge=False)


def raw_document(number, text, **fields):
    """A proposal's search document with the given text (no proposal in the database)."""
    return {
        "id": f"proposals.proposal.{number}",
        "django_ct": "proposals.proposal",
        "django_id": str(number),
        "text": text,
        "title": f"Propunere {number}",
        "content_type_exact": "proposal",
        **fields,
    }
