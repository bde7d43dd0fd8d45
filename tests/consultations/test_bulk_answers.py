"""Answering at scale: a group of similar comments or a filtered selection answered at once,
after a confirmation that states the count (`domain.answer_comments`, the answers page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations import domain
from consultations.models import CommentGroup, Disposition, Stage
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.idempotency import new_token
from core.models import ActivityLog
from tests.consultations.conftest import during
from tests.consultations.test_grouping import LETTER, OWN_WORDS, SHORT
from tests.factories import UserFactory
from tests.helpers import messages_of

ANSWERS = "/proposals/legea-350/consultation/stages/1/answers/"
BULK = ANSWERS + "bulk/"


@pytest.fixture
def editor_client(en_client, editor):
    en_client.force_login(editor)
    return en_client


@pytest.fixture
def post(stage, django_capture_on_commit_callbacks):
    moments = iter(range(1, 10000))

    def post(text, *, name=None, **kwargs):
        kwargs.setdefault("stance", "oppose")
        user = UserFactory(display_name=name) if name else UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            comment = domain.post_comment(
                user, stage, text=text, now=during(stage, next(moments) / 100), **kwargs
            )
        domain.group_pending()  # the grouper a commit starts ("manual" in tests)
        comment.refresh_from_db()
        return comment

    return post


@pytest.fixture
def campaign(stage, post):
    """Three copies of a form letter (one hidden later by a test), a comment of its own, and a
    support comment on the first paragraph."""
    key = stage.revision.blocks[0]["key"]
    letters = [
        post(LETTER.format(name=name, town="Focșani"), name=name)
        for name in ("Ana Marin", "Dan Pop", "Ilie Stan")
    ]
    own = post(OWN_WORDS, name="Rodica Vlad", stance="neutral")
    support = post("Susțin primul alineat așa cum este.", block_key=key, stance="support")
    return {"letters": letters, "own": own, "support": support, "group": CommentGroup.objects.get()}


def version(stage):
    return Stage.objects.values_list("comments_version", flat=True).get(pk=stage.pk)


def answers_of(comments):
    return {
        d.comment_id: (d.outcome, d.reason)
        for d in Disposition.objects.filter(comment__in=comments)
    }


def logged():
    return sorted(
        (int(row.target_id), row.old_value, row.new_value, row.data)
        for row in ActivityLog.objects.filter(verb="disposition.set")
    )


def test_the_answers_page_lists_the_group_with_its_counts(editor_client, editor, campaign):
    domain.set_disposition(editor, campaign["letters"][0], outcome="rejected", reason="Nu.")
    group = campaign["group"]
    page = editor_client.get(ANSWERS).content.decode()
    assert f'<a href="?group={group.pk}">Group {group.pk}</a>: 3 comments, 2 not answered' in page
    assert "Answer all 5 selected comments at once" in page
    response = editor_client.get(f"{ANSWERS}?group={group.pk}&answered=unanswered")
    assert list(response.context["page"].object_list) == campaign["letters"][1:]
    assert "Answer all 2 selected comments at once" in response.content.decode()
    assert "1 of 5 answered" in response.content.decode()
    assert (
        f'href="/proposals/legea-350/consultation/stages/1/answers/bulk/?answered=unanswered'
        f'&amp;group={group.pk}"'
    ) in response.content.decode()


def test_answering_a_group_answers_each_shown_member_with_one_log_row_each(
    editor_client, editor, moderator, stage, campaign, post
):
    letters, group = campaign["letters"], campaign["group"]
    domain.hide_comment(moderator, letters[2], "Date personale.")
    before = version(stage)
    confirm = editor_client.get(f"{BULK}?group={group.pk}")
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "This answer will be given to each of the 2 comments selected." in page
    assert 'name="expected_count" value="2"' in page
    assert f'name="expected_last" value="{letters[1].pk}"' in page
    response = editor_client.post(
        BULK,
        {
            "group": group.pk,
            "outcome": "rejected",
            "reason": "Selecția publică rămâne regula.",
            "expected_count": 2,
            "expected_last": letters[1].pk,
            "form_token": new_token(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{ANSWERS}?group={group.pk}"
    assert messages_of(response) == ["The answer was saved for 2 comments."]
    everyone = [*letters, campaign["own"], campaign["support"]]
    assert answers_of(everyone) == {
        letters[0].pk: ("rejected", "Selecția publică rămâne regula."),
        letters[1].pk: ("rejected", "Selecția publică rămâne regula."),
    }
    assert {d.decided_by for d in Disposition.objects.all()} == {editor}
    data = {"applied_in": None, "bulk": True}
    assert logged() == [
        (letters[0].pk, "", "rejected", data),
        (letters[1].pk, "", "rejected", data),
    ]
    assert set(
        ActivityLog.objects.values_list("scope_id", flat=True).filter(verb="disposition.set")
    ) == {str(stage.pk)}
    assert version(stage) == before + 1
    # A letter that arrives later joins the group unanswered.
    late = post(LETTER.format(name="Vasile Ene", town="Iași"))
    assert late.group_id == group.pk
    page = editor_client.get(ANSWERS).content.decode()
    assert f"Group {group.pk}</a>: 3 comments, 1 not answered" in page


def test_a_changed_answer_is_logged_with_its_old_outcome_and_an_equal_one_is_left_alone(
    editor, stage, campaign
):
    letters = campaign["letters"]
    domain.set_disposition(editor, letters[0], outcome="accepted", reason="Preluat.")
    domain.set_disposition(editor, letters[1], outcome="rejected", reason="Nu se poate.")
    before = logged()
    count = domain.answer_comments(
        editor,
        stage,
        {"group": campaign["group"].pk},
        outcome="rejected",
        reason="Nu se poate.",
        expected=(3, letters[2].pk),
    )
    assert count == 2
    assert answers_of(letters) == {letter.pk: ("rejected", "Nu se poate.") for letter in letters}
    data = {"applied_in": None, "bulk": True}
    assert logged() == sorted(
        [
            *before,
            (letters[0].pk, "accepted", "rejected", data),
            (letters[2].pk, "", "rejected", data),
        ]
    )


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({"stance": "oppose"}, ["letter0", "letter1", "letter2"]),
        ({"stance": "neutral"}, ["own"]),
        ({"block": "FIRST"}, ["support"]),
        ({"block": "whole", "stance": "oppose"}, ["letter0", "letter1", "letter2"]),
        ({"answered": "unanswered"}, ["letter1", "letter2", "own", "support"]),
    ],
)
def test_bulk_answers_act_on_exactly_the_filtered_selection(
    editor, stage, campaign, filters, names
):
    comments = {f"letter{i}": letter for i, letter in enumerate(campaign["letters"])}
    comments.update(own=campaign["own"], support=campaign["support"])
    domain.set_disposition(editor, comments["letter0"], outcome="accepted", reason="Da.")
    filters = {
        name: stage.revision.blocks[0]["key"] if value == "FIRST" else value
        for name, value in filters.items()
    }
    selected = [comments[name] for name in names]
    expected = (len(selected), max(c.pk for c in selected))
    assert domain.selection_size(domain.answer_selection(stage, **filters)) == expected
    domain.answer_comments(
        editor,
        stage,
        filters,
        outcome="not_applicable",
        reason="În afara temei.",
        expected=expected,
    )
    got = answers_of(list(comments.values()))
    assert {name: got.get(c.pk, ("", ""))[0] for name, c in comments.items()} == {
        name: "not_applicable" if name in names else ("accepted" if name == "letter0" else "")
        for name in comments
    }


def test_a_selection_that_changed_since_the_confirmation_is_refused_with_the_text_kept(
    editor_client, stage, campaign, post
):
    group = campaign["group"]
    letters = campaign["letters"]
    late = post(LETTER.format(name="Vasile Ene", town="Iași"))
    response = editor_client.post(
        BULK,
        {
            "group": group.pk,
            "outcome": "partially",
            "reason": "Preluăm termenul de 30 de zile.",
            "expected_count": 3,
            "expected_last": letters[2].pk,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "The selection changed since you confirmed it: it now holds 4 comments. "
        "Check it again before answering."
    ) in page
    assert "Preluăm termenul de 30 de zile." in page
    assert 'name="expected_count" value="4"' in page
    assert f'name="expected_last" value="{late.pk}"' in page
    assert not Disposition.objects.exists()
    assert not ActivityLog.objects.filter(verb="disposition.set").exists()


def test_the_same_count_with_another_comment_is_refused(editor, moderator, stage, campaign, post):
    letters = campaign["letters"]
    domain.hide_comment(moderator, letters[0], "Spam.")
    post(LETTER.format(name="Vasile Ene", town="Iași"))
    with pytest.raises(DomainError) as refusal:
        domain.answer_comments(
            editor,
            stage,
            {"group": campaign["group"].pk},
            outcome="rejected",
            reason="Nu.",
            expected=(3, letters[2].pk),
        )
    assert refusal.value.code == "selection_changed"
    assert not Disposition.objects.exists()


def test_only_the_organisations_editors_answer_in_bulk(
    client, citizen, other_ngo_editor, stage, campaign
):
    letters = campaign["letters"]
    with pytest.raises(NotAllowed):
        domain.answer_comments(
            citizen,
            stage,
            {},
            outcome="rejected",
            reason="Nu.",
            expected=(5, campaign["support"].pk),
        )
    client.force_login(other_ngo_editor)
    assert client.get(BULK).status_code == 403
    data = {"outcome": "rejected", "reason": "Nu.", "expected_count": 3}
    assert client.post(BULK, {**data, "expected_last": letters[2].pk}).status_code == 403
    assert not Disposition.objects.exists()


def test_a_published_synthesis_refuses_bulk_answers(editor_client, editor, stage, campaign):
    everyone = [*campaign["letters"], campaign["own"], campaign["support"]]
    last = campaign["support"].pk
    domain.answer_comments(editor, stage, {}, outcome="rejected", reason="Nu.", expected=(5, last))
    domain.publish_synthesis(editor, stage)
    with pytest.raises(InvalidTransition):
        domain.answer_comments(
            editor, stage, {}, outcome="accepted", reason="Da.", expected=(5, last)
        )
    page = editor_client.get(BULK).content.decode()
    assert "The synthesis of this stage is published; its answers can no longer change." in page
    assert 'name="reason"' not in page
    response = editor_client.post(
        BULK, {"outcome": "accepted", "reason": "Da.", "expected_count": 5, "expected_last": last}
    )
    assert response.status_code == 400
    assert set(answers_of(everyone).values()) == {("rejected", "Nu.")}


def test_bad_input_is_refused_with_a_clear_message(editor_client, editor, stage, campaign):
    last = campaign["support"].pk
    response = editor_client.post(
        BULK,
        {"outcome": "maybe", "reason": "Text", "expected_count": 5, "expected_last": last},
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    with pytest.raises(DomainError, match="Choose the answer."):
        domain.answer_comments(editor, stage, {}, outcome="x", reason="Da.", expected=(5, last))
    assert not Disposition.objects.exists()


def test_a_bulk_answer_sent_twice_is_done_once(editor_client, stage, campaign):
    group = campaign["group"]
    data = {
        "group": group.pk,
        "outcome": "rejected",
        "reason": "Nu.",
        "expected_count": 3,
        "expected_last": campaign["letters"][2].pk,
        "form_token": new_token(),
    }
    before = version(stage)
    assert editor_client.post(BULK, data).status_code == 302
    assert editor_client.post(BULK, data).status_code == 302
    assert Disposition.objects.count() == 3
    assert ActivityLog.objects.filter(verb="disposition.set").count() == 3
    assert version(stage) == before + 1


def test_the_synthesis_shows_a_group_once_with_its_count_answer_and_every_author(
    editor_client, editor, stage, campaign
):
    letters = campaign["letters"]
    domain.answer_comments(
        editor,
        stage,
        {"group": campaign["group"].pk},
        outcome="rejected",
        reason="Selecția publică rămâne regula.",
        expected=(3, letters[2].pk),
    )
    rows = domain.synthesis_rows(stage)
    assert [(row["comment_id"], row["group"], row["group_size"]) for row in rows] == [
        (letters[0].pk, campaign["group"].pk, 3),
        (letters[1].pk, campaign["group"].pk, 3),
        (letters[2].pk, campaign["group"].pk, 3),
        (campaign["own"].pk, None, 0),
        (campaign["support"].pk, None, 0),
    ]
    page = editor_client.get("/proposals/legea-350/consultation/stages/1/synthesis/")
    html = page.content.decode()
    assert html.count("Form letter: 3 comments with the same or nearly the same text") == 1
    assert html.count("Subsemnatul Ana Marin, domiciliat în Focșani") == 1
    assert "Subsemnatul Dan Pop" not in html
    assert html.count("Selecția publică rămâne regula.") == 1
    for number, name in enumerate(["Ana Marin", "Dan Pop", "Ilie Stan"], start=1):
        assert f'<li value="{number}"' in html
        assert name in html
    assert "Its 3 authors" in html


def test_the_answers_page_needs_the_same_queries_for_few_and_many_comments_and_groups(
    editor_client, editor, stage, post
):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            response = editor_client.get(url)
        assert response.status_code == 200
        return len(captured)

    post(SHORT.format(name="Ana"))
    post(SHORT.format(name="Dan"))
    group = CommentGroup.objects.get()
    few = queries(ANSWERS), queries(f"{ANSWERS}?group={group.pk}&stance=oppose")
    bulk_few = queries(f"{BULK}?group={group.pk}")
    for n in range(6):
        for copy in range(3):
            post(f"Scrisoarea numărul {n} cere păstrarea termenului de treizeci de zile, {copy}.")
        domain.set_disposition(
            editor, post(OWN_WORDS + f" ({n})"), outcome="rejected", reason="Nu."
        )
    assert CommentGroup.objects.count() > 2
    assert (queries(ANSWERS), queries(f"{ANSWERS}?group={group.pk}&stance=oppose")) == few
    assert queries(f"{BULK}?group={group.pk}") == bulk_few


def test_a_bulk_answer_reaches_the_cached_stage_page(client, editor, stage, campaign):
    # Anonymous readers get the stage page from the cache (threads kept per thread version):
    # an answer given to many threads at once must show in every copy, at once.
    page = "/proposals/legea-350/consultation/stages/1/"
    before = client.get(page).content.decode()
    assert "Nu se poate." not in before
    assert client.get(page).content.decode() == before  # served from the cache
    domain.answer_comments(
        editor,
        stage,
        {"group": campaign["group"].pk},
        outcome="rejected",
        reason="Nu se poate.",
        expected=(3, campaign["letters"][2].pk),
    )
    after = client.get(page).content.decode()
    assert after.count("Nu se poate.") == 3
