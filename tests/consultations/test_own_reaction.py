"""A signed-in viewer sees which reaction they gave, on the stage page and the comment page; no
one else sees it, and the anonymous copy of the page never carries it."""

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from consultations import domain
from tests.factories import UserFactory

STAGE = "/proposals/legea-350/consultation/stages/1/"
AGREE = "your reaction: you agree"
DISAGREE = "your reaction: you disagree"


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_viewer_sees_their_own_reaction_and_nobody_else_does(open_stage, citizen, citizen2):
    now = timezone.now()
    first = domain.post_comment(citizen, open_stage, text="Primul.", stance="support", now=now)
    second = domain.post_comment(citizen2, open_stage, text="Al doilea.", stance="oppose", now=now)
    reply = domain.post_comment(
        citizen2, open_stage, text="Răspuns.", parent_id=first.pk, now=now + timedelta(seconds=1)
    )
    reader = UserFactory(language="en")
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert AGREE not in anonymous.get(STAGE).content.decode()  # the shared copy is made
    domain.react(reader, first, "agree")
    domain.react(reader, reply, "disagree")
    domain.react(citizen, second, "agree")

    page = signed_in(reader).get(STAGE).content.decode()
    assert page.count(AGREE) == 1 and page.count(DISAGREE) == 1
    # The mark is in the footer of the comment it is about.
    owners = re.findall(r'id="comment-(\d+)"', page[: page.index(AGREE)])
    assert owners[-1] == str(first.pk)
    assert "Agree: 1 · Disagree: 0 · " + AGREE in page
    assert "Agree: 0 · Disagree: 1 · " + DISAGREE in page

    # Someone else sees only their own (in their language); an anonymous visitor none.
    other = signed_in(citizen).get(STAGE).content.decode()
    assert other.count("reacția dumneavoastră: sunteți de acord") == 1
    assert AGREE not in other and "nu sunteți de acord" not in other
    public = anonymous.get(STAGE).content.decode()
    assert AGREE not in public and DISAGREE not in public
    assert "Agree: 1 · Disagree: 0" in public

    # The comment page says the same.
    thread = signed_in(reader).get(f"/comments/{first.pk}/").content.decode()
    assert thread.count(AGREE) == 1 and thread.count(DISAGREE) == 1
    assert AGREE not in Client().get(f"/comments/{first.pk}/").content.decode()
