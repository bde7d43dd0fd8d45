"""Grouping form letters: which texts count as the same letter (`consultations.similarity`), and
how posted comments are put in groups after their commit (`consultations.domain.grouping`)."""

import threading
from io import StringIO

import pytest
from celery.signals import task_prerun
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from consultations import domain, similarity
from consultations.domain import grouping
from consultations.models import CommentBand, CommentGroup, StageComment
from tests.consultations.conftest import T0, add_written_stage, during
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
    """Post a top-level comment (or a reply) as a committed request would, then run the grouper
    that the commit starts (tests have the "manual" setting: nothing starts it by itself)."""
    moments = iter(range(1, 1000))

    def post(text, *, user=None, **kwargs):
        kwargs.setdefault("stance", "" if kwargs.get("parent_id") else "oppose")
        user = user or UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            comment = domain.post_comment(
                user, stage, text=text, now=during(stage, next(moments) / 10), **kwargs
            )
        domain.group_pending()
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
    assert domain.group_pending() == 1
    assert not CommentGroup.objects.exists()


def test_group_stage_groups_comments_stored_before_grouping(stage, editor):
    made = [
        domain.post_comment(UserFactory(), stage, text=text, stance="oppose", now=during(stage, n))
        for n, text in enumerate([ION, OWN_WORDS, ION.lower(), SHORT.format(name="Ana")], 1)
    ]
    # As comments stored before grouping existed: not waiting for the grouper either.
    StageComment.objects.update(grouping_pending=False)
    assert domain.group_pending() == 0
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
    assert out.getvalue() == (
        f"2 comment(s) counted.\nstage {stage.pk}: 2 comment(s) looked at\n"
        "2 comment(s) looked at.\n1 page(s) of threads marked.\n"
    )
    assert set(CommentGroup.objects.get().members.all()) == set(made)
    out = StringIO()
    call_command("group_comments", "--stage", str(stage.pk), stdout=out)
    assert out.getvalue() == (
        "0 comment(s) counted.\n0 comment(s) looked at.\n0 page(s) of threads marked.\n"
    )


# --- The grouper: waiting comments, grouped in batches ------------------------------------------

NAMES = ["Ana Marin", "Dan Pop", "Ilie Stan", "Rodica Vlad", "Mihai Radu", "Elena Enache"]
TOWNS = ["Focșani", "Iași", "Brașov", "Galați"]
# A mixed stream: two campaigns (one with a sentence changed in some letters), copies of one's
# own comment, and comments alike only in their topic.
STREAM = [
    ION,
    OWN_WORDS,
    *(LETTER.format(name=name, town=TOWNS[n % 4]) for n, name in enumerate(NAMES[:3])),
    SHORT.format(name="Ana Marin"),
    OTHER_LETTER,
    ION.replace("Asociațiile mici din comunitatea noastră", "Cluburile sportive din cartierul meu"),
    SHORT.format(name="Dan Pop"),
    OWN_WORDS,
    ION.upper(),
    *(SHORT.format(name=name) for name in NAMES[2:]),
    OTHER_LETTER + " Vă mulțumesc.",
    OWN_WORDS.lower(),
]


def store(stage, texts, start=1):
    """Top-level comments posted and committed, their grouper not run yet."""
    return [
        domain.post_comment(
            UserFactory(), stage, text=text, stance="oppose", now=during(stage, (start + n) / 10)
        )
        for n, text in enumerate(texts)
    ]


def groups_of(comments):
    """Per comment, the position in `comments` of its group's seed (None: no group)."""
    position = {comment.pk: n for n, comment in enumerate(comments)}
    seeds = dict(CommentGroup.objects.values_list("pk", "seed_id"))
    return [
        None if group_id is None else position[seeds[group_id]]
        for group_id in (
            StageComment.objects.filter(pk__in=position)
            .order_by("pk")
            .values_list("group_id", flat=True)
        )
    ]


def bands_of(comments):
    return [
        sorted(CommentBand.objects.filter(comment=comment).values_list("key", flat=True))
        for comment in comments
    ]


def pending():
    return list(
        StageComment.objects.filter(grouping_pending=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def test_a_new_top_level_comment_waits_and_the_grouper_groups_it(stage):
    ion, own, maria = store(stage, [ION, OWN_WORDS, LETTER.format(name="Maria", town="Iași")])
    reply = domain.post_comment(
        UserFactory(), stage, text=ION, parent_id=ion.pk, now=during(stage, 1)
    )
    assert pending() == [ion.pk, own.pk, maria.pk]
    assert not CommentBand.objects.exists()

    assert domain.group_pending() == 3
    group = CommentGroup.objects.get()
    assert (group.stage, group.seed) == (stage, ion)
    assert list(group.members.order_by("pk")) == [ion, maria]
    assert pending() == []
    assert CommentBand.objects.filter(stage=stage).count() == 3 * similarity.BANDS
    assert not CommentBand.objects.filter(comment=reply).exists()
    assert StageComment.objects.get(pk=reply.pk).group_id is None


def test_a_campaign_posted_within_one_batch_ends_in_one_group(stage):
    letters = store(
        stage,
        [
            LETTER.format(name=f"{name} {n}", town=TOWNS[n % 4])
            for n in range(40)
            for name in ["Ion"]
        ],
    )
    own = store(stage, [OWN_WORDS], start=50)[0]
    assert domain.group_pending() == 41
    group = CommentGroup.objects.get()
    assert group.seed == letters[0]
    assert list(group.members.order_by("pk")) == letters
    assert StageComment.objects.get(pk=own.pk).group_id is None


@pytest.mark.parametrize("batch_size", [200, 4, 1])
def test_the_grouper_gives_what_grouping_one_comment_at_a_time_gives(
    editor, consultation, stage, batch_size
):
    later = add_written_stage(
        editor, consultation, opens_at=stage.closes_at, now=during(stage, 2), title="A doua etapă"
    )
    one_by_one = []
    for n, text in enumerate(STREAM, 1):
        (comment,) = store(later, [text], start=n)
        domain.group_comment(comment.pk)
        one_by_one.append(comment)
    assert pending() == []
    batched = store(stage, STREAM)
    assert domain.group_pending(batch_size=batch_size) == len(STREAM)
    assert pending() == []
    expected = [0, 1, 0, 0, 0, 5, 6, 0, 5, 1, 0, 5, 5, 5, 5, 6, 1]
    assert groups_of(one_by_one) == expected
    assert groups_of(batched) == expected
    assert bands_of(batched) == bands_of(one_by_one)


def test_the_grouper_stops_at_its_limit_oldest_first_and_again_changes_nothing(stage):
    made = store(stage, [ION, OWN_WORDS, ION, OWN_WORDS])
    assert domain.group_pending(limit=3, batch_size=2) == 3
    assert pending() == [made[3].pk]
    assert domain.group_pending() == 1
    state = (groups_of(made), bands_of(made), CommentGroup.objects.count())
    assert state[0] == [0, 1, 0, 1]
    assert domain.group_pending() == 0
    assert domain.group_stage(stage) == 0
    assert domain.group_comment(made[2].pk) == CommentGroup.objects.get(seed=made[0])
    assert (groups_of(made), bands_of(made), CommentGroup.objects.count()) == state


def test_group_comment_clears_the_waiting_mark(stage):
    first, second = store(stage, [ION, ION])
    assert domain.group_comment(first.pk) is None
    assert pending() == [second.pk]
    assert domain.group_pending() == 1
    assert groups_of([first, second]) == [0, 0]


def test_the_grouper_needs_a_bounded_number_of_queries(stage):
    """Per batch, whatever its number of comments: the next comments' texts read before its
    transaction (`_fingerprints`), the batch read (with its lock), the bands
    already stored in its range, the bands' insert (one statement, repeated per row), the
    candidates of all its comments, the candidates' texts not read yet, one update per group it
    fills, the waiting marks' update, and the transaction's savepoint and release (PostgreSQL:
    its batch lock too). Per group it makes: a get-or-create (up to four with its savepoint)."""

    def grouping(texts, start):
        store(stage, texts, start=start)
        with CaptureQueriesContext(connection) as captured:
            assert domain.group_pending() == len(texts)
        return len(captured)

    def mixed(size, tag):
        # Half the letters of a campaign, half copies of a comment with a number added.
        return [
            LETTER.format(name=f"{tag} {n}", town="Iași") if n % 2 else f"{OWN_WORDS} {tag} {n}"
            for n in range(size)
        ]

    batch = 12  # the list above, with two groups filled and the candidates' texts read
    # 10 comments making two groups (4 queries each), then 50 joining those two groups.
    assert grouping(mixed(10, "Ana"), 1) <= batch + 2 * 4
    assert grouping(mixed(50, "Dan"), 100) <= batch
    assert CommentGroup.objects.count() == 2
    assert StageComment.objects.filter(group__isnull=False).count() == 60


def test_one_transaction_storing_several_comments_starts_one_grouper(
    stage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        store(stage, [ION, OWN_WORDS, ION])
    assert len([c for c in callbacks if isinstance(c, grouping._AfterCommit)]) == 1


def test_with_celery_a_commit_queues_the_grouper_only_when_none_is_waiting(
    stage, settings, tmp_path, django_capture_on_commit_callbacks
):
    """While a task waits (its mark in the shared cache), commits queue none; the waiting one
    groups every comment committed before it. Celery runs tasks in process here (no broker): a
    task queued is a task run at once, counted as it starts."""
    settings.SEARCH_INDEX_UPDATES = "celery"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    runs = []

    def count(sender=None, **kwargs):
        if sender.name == "consultations.group_pending":
            runs.append(sender.name)

    task_prerun.connect(count, weak=False)
    try:
        cache.add(grouping.GROUPING_QUEUED, 1)  # a task waits in the broker
        made = []
        for n, text in enumerate([ION, OWN_WORDS, ION], 1):
            with django_capture_on_commit_callbacks(execute=True):
                made += store(stage, [text], start=n)
        assert runs == []
        assert pending() == [comment.pk for comment in made]

        grouping.group_pending_task.delay()  # the waiting task
        assert runs == ["consultations.group_pending"]
        assert pending() == []
        assert groups_of(made) == [0, None, 0]
        assert cache.get(grouping.GROUPING_QUEUED) is None

        # None waiting: the next commit queues (and here runs) one, which clears its mark.
        with django_capture_on_commit_callbacks(execute=True):
            late = store(stage, [ION], start=9)
        assert len(runs) == 2
        assert pending() == []
        assert groups_of(made + late) == [0, None, 0, 0]
        assert cache.get(grouping.GROUPING_QUEUED) is None
    finally:
        task_prerun.disconnect(count)


# Committed transactions and threads, on PostgreSQL (SQLite takes one writer at a time for its
# whole file: a second connection waits for the first's transaction, not for a row).
on_postgresql_committing = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def join_grouping_threads():
    for thread in threading.enumerate():
        if thread.name == "comment-grouping":
            thread.join(timeout=30)


@on_postgresql_committing[0]
@on_postgresql_committing[1]
def test_in_the_embedded_default_a_thread_groups_the_comments_after_their_commit(
    settings, editor, consultation
):
    """The "thread" setting: the first commit starts the process's grouping thread, later
    commits ask the running one for another round; each comment is grouped once committed."""
    settings.SEARCH_INDEX_UPDATES = "thread"
    stage = add_written_stage(editor, consultation, opens_at=T0)
    made = store(stage, [ION, OWN_WORDS, ION.lower(), ION.upper()])
    join_grouping_threads()
    assert pending() == []
    assert groups_of(made) == [0, None, 0, 0]
    late = store(stage, [ION], start=9)
    join_grouping_threads()
    assert groups_of(made + late) == [0, None, 0, 0, 0]


@on_postgresql_committing[0]
@on_postgresql_committing[1]
def test_two_groupers_at_once_take_each_comment_once_and_group_a_campaign_together(
    editor, consultation
):
    stage = add_written_stage(editor, consultation, opens_at=T0)
    made = store(stage, [LETTER.format(name=f"Ion {n}", town="Iași") for n in range(30)])
    start = threading.Barrier(2)
    taken, failures = [], []

    def grouper():
        try:
            start.wait()
            taken.append(domain.group_pending(batch_size=4))
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=grouper) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert sum(taken) == 30
    assert pending() == []
    assert CommentBand.objects.filter(stage=stage).count() == 30 * similarity.BANDS
    assert list(CommentGroup.objects.get().members.order_by("pk")) == made


@on_postgresql_committing[0]
@on_postgresql_committing[1]
def test_a_waiting_comment_locked_by_a_reply_is_waited_for_not_skipped(editor, consultation):
    """A reply in flight holds its thread's first comment: the grouper waits for it instead of
    leaving that comment waiting and seeding the group with a later one."""
    stage = add_written_stage(editor, consultation, opens_at=T0)
    made = store(stage, [ION, ION.lower(), ION.upper()])
    locked, release, failures = threading.Event(), threading.Event(), []

    def reply_in_flight():
        try:
            with transaction.atomic():
                list(StageComment.objects.select_for_update().filter(pk=made[0].pk))
                locked.set()
                release.wait(10)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=reply_in_flight)
    holder.start()
    assert locked.wait(10)
    threading.Timer(0.5, release.set).start()
    assert domain.group_pending() == 3
    holder.join(10)
    assert failures == []
    assert pending() == []
    assert groups_of(made) == [0, 0, 0]
    assert CommentGroup.objects.get().seed_id == made[0].pk


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.django_db
def test_the_grouper_reads_its_waiting_comments_from_their_partial_index():
    # Read through the index of the comments' groups (`group IS NULL`), every ungrouped comment
    # of every stage was walked at each run: 20 ms a run at 200,000 comments.
    with CaptureQueriesContext(connection) as captured:
        assert grouping.group_pending() == 0
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plans.append(" ".join(str(row[-1]) for row in cursor.fetchall()))
    assert plans[0].startswith(
        "SCAN consultations_stagecomment USING INDEX comments_grouping_pending"
    ), plans
    assert not any("group_id" in plan for plan in plans), plans
