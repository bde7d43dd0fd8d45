"""Grouping form letters: which texts count as the same letter (`consultations.similarity`), and
how posted comments are put in groups after their commit (`consultations.domain.grouping`)."""

from io import StringIO

import pytest
from django.core.management import call_command

from consultations import domain, similarity
from consultations.models import CommentBand, CommentGroup, StageComment
from tests.consultations.conftest import add_written_stage, during
from tests.factories import UserFactory

LETTER = (
    "Subsemnatul {name}, domiciliat în {town}, vă rog să nu aprobați modificarea articolului 5 "
    "din Legea nr. 350/2005. Finanțarea nerambursabilă trebuie acordată numai prin selecție "
    "publică de proiecte, cu criterii clare și publicate din timp. Asociațiile mici din "
    "comunitatea noastră depind de aceste fonduri, iar orice excepție de la competiție deschide "
    "calea favoritismului. Vă solicit să păstrați termenul de 30 de zile pentru informarea "
    "solicitanților și publicarea contractelor pe pagina de internet a autorității."
)
ION = LETTER.format(name="Ion Popescu", town="Cluj-Napoca")
SHORT = (
    "Subsemnatul {name} mă opun modificării articolului 5 și cer păstrarea selecției publice de "
    "proiecte."
)
# The same topic and a shared first sentence, but another letter.
OTHER_LETTER = (
    "Vă rog să nu aprobați modificarea articolului 5 din Legea nr. 350/2005. Sunt de acord cu "
    "selecția publică, dar termenul de 30 de zile este prea lung pentru asociațiile mici și ar "
    "trebui scurtat, iar publicarea contractelor pe pagina de internet a autorității să se facă "
    "în cel mult cinci zile."
)
OWN_WORDS = (
    "Propun ca termenul de informare a solicitanților să fie redus la 15 zile, deoarece 30 de "
    "zile întârzie inutil începerea proiectelor. Contractul de finanțare ar trebui publicat și "
    "în Monitorul Oficial, iar criteriile de selecție să includă experiența solicitantului."
)


def score(first, second):
    return similarity.similarity(similarity.shingles(first), similarity.shingles(second))


def test_normalise_folds_case_punctuation_spacing_and_both_forms_of_s_and_t():
    assert similarity.normalise("  Ţara   ŞI legislaţia!\n— Țară, și legislația?") == (
        "tara si legislatia tara si legislatia"
    )
    assert similarity.normalise("Închirierea spațiilor_publice") == "inchirierea spatiilor publice"


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        # The same letter typed with legacy cedillas, in capitals, with other spacing.
        (ION.replace("ș", "ş").replace("ț", "ţ").upper().replace(". ", ".\n\n"), 1.0),
        (LETTER.format(name="Maria Ionescu", town="Iași"), 0.84),
        (
            ION.replace(
                "Asociațiile mici din comunitatea noastră depind de aceste fonduri",
                "Cluburile sportive de copii din cartierul meu trăiesc din aceste fonduri",
            ),
            0.76,
        ),
        (ION + " Vă mulțumesc pentru atenție.", 0.95),
        (OTHER_LETTER, 0.19),
        (OWN_WORDS, 0.01),
    ],
)
def test_similarity_of_realistic_letters(second, expected):
    assert round(score(ION, second), 2) == expected


def test_a_short_letter_with_another_name_is_still_the_same_letter():
    first, second = SHORT.format(name="Ion Popescu"), SHORT.format(name="Ana Marin")
    assert round(score(first, second), 2) == 0.62 >= similarity.THRESHOLD


def test_band_keys_are_the_same_for_the_same_words_and_mostly_differ_otherwise():
    keys = similarity.band_keys(similarity.shingles(ION))
    assert len(keys) == similarity.BANDS
    assert all(0 <= key < 2**63 for key in keys)
    assert similarity.band_keys(similarity.shingles(ION.upper())) == keys
    assert not set(similarity.band_keys(similarity.shingles(OWN_WORDS))) & set(keys)


# --- Groups in a stage ---------------------------------------------------------------------------


@pytest.fixture
def post(stage, django_capture_on_commit_callbacks):
    """Post a top-level comment (or a reply) as a committed request would: grouping runs after
    the commit."""
    moments = iter(range(1, 1000))

    def post(text, *, user=None, **kwargs):
        kwargs.setdefault("stance", "" if kwargs.get("parent_id") else "oppose")
        user = user or UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            comment = domain.post_comment(
                user, stage, text=text, now=during(stage, next(moments) / 10), **kwargs
            )
        comment.refresh_from_db()
        return comment

    return post


def test_identical_and_near_identical_comments_are_grouped_and_different_ones_are_not(stage, post):
    ion = post(ION)
    own = post(OWN_WORDS)
    maria = post(LETTER.format(name="Maria Ionescu", town="Iași"))
    other = post(OTHER_LETTER)
    shouted = post(ION.upper())
    group = CommentGroup.objects.get()
    assert (group.stage, group.seed) == (stage, ion)
    assert list(group.members.order_by("pk")) == [ion, maria, shouted]
    assert (own.group_id, other.group_id) == (None, None)
    assert CommentBand.objects.filter(stage=stage).count() == 5 * similarity.BANDS


def test_a_single_comment_makes_no_group_and_the_second_copy_groups_both(stage, post):
    first = post(ION)
    assert first.group_id is None
    assert not CommentGroup.objects.exists()
    second = post(ION)
    first.refresh_from_db()
    group = CommentGroup.objects.get()
    assert (first.group, second.group, group.seed) == (group, group, first)


def test_replies_are_not_grouped(stage, post):
    first = post(ION)
    reply = post(ION, parent_id=first.pk)
    assert reply.group_id is None
    assert not CommentBand.objects.filter(comment=reply).exists()
    assert not CommentGroup.objects.exists()


def test_two_campaigns_in_one_stage_make_two_groups(stage, post):
    letters = [post(LETTER.format(name=name, town="Focșani")) for name in ("Ana", "Dan", "Ilie")]
    shorts = [post(SHORT.format(name=name)) for name in ("Ana Marin", "Ion Popescu")]
    groups = list(CommentGroup.objects.order_by("pk"))
    assert [group.seed for group in groups] == [letters[0], shorts[0]]
    assert [list(group.members.order_by("pk")) for group in groups] == [letters, shorts]


def test_grouping_again_changes_nothing(stage, post):
    _first, second = post(ION), post(ION)
    group = domain.group_comment(second.pk)
    assert group == CommentGroup.objects.get()
    assert CommentBand.objects.filter(comment=second).count() == similarity.BANDS
    assert domain.group_stage(stage) == 0


def test_comments_of_another_stage_are_not_grouped_together(
    editor, consultation, stage, post, django_capture_on_commit_callbacks
):
    post(ION)
    later = add_written_stage(
        editor, consultation, opens_at=stage.closes_at, now=during(stage, 2), title="A doua etapă"
    )
    with django_capture_on_commit_callbacks(execute=True):
        domain.post_comment(UserFactory(), later, text=ION, stance="oppose", now=during(later, 1))
    assert not CommentGroup.objects.exists()


def test_group_stage_groups_comments_stored_before_grouping(stage, editor):
    # Posted without their commit callbacks: as comments stored before grouping existed.
    made = [
        domain.post_comment(UserFactory(), stage, text=text, stance="oppose", now=during(stage, n))
        for n, text in enumerate([ION, OWN_WORDS, ION.lower(), SHORT.format(name="Ana")], 1)
    ]
    assert domain.group_stage(stage) == 4
    group = CommentGroup.objects.get()
    assert set(StageComment.objects.filter(group=group)) == {made[0], made[2]}


def test_the_group_comments_command_catches_up_once(stage):
    made = [
        domain.post_comment(UserFactory(), stage, text=ION, stance="oppose", now=during(stage, n))
        for n in (1, 2)
    ]
    out = StringIO()
    call_command("group_comments", stdout=out)
    assert out.getvalue() == f"stage {stage.pk}: 2 comment(s) looked at\n2 comment(s) looked at.\n"
    assert set(CommentGroup.objects.get().members.all()) == set(made)
    out = StringIO()
    call_command("group_comments", "--stage", str(stage.pk), stdout=out)
    assert out.getvalue() == "0 comment(s) looked at.\n"
