"""Personal data: what each app stores about a user, how to export it and how to erase it.

Every app that stores personal data registers a section in its AppConfig.ready():

    privacy.register("profile", export=export_profile, erase=erase_profile, order=10)

`export(user)` returns JSON-serialisable data; `erase(user)` clears names, emails, IP addresses and
other identifying values the app keeps, leaving public records (comments, log rows) in place so
they show as from a deleted account. Erasers run in `order`, inside one transaction, before the
account itself is closed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Section:
    key: str
    export: Callable[[Any], Any]
    erase: Callable[[Any], None]
    order: int


_sections: dict[str, Section] = {}


def register(key, *, export, erase, order=50):
    _sections[key] = Section(key=key, export=export, erase=erase, order=order)


def sections():
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


def export_user_data(user):
    return {section.key: section.export(user) for section in sections()}


def erase_user_data(user):
    for section in sections():
        section.erase(user)
