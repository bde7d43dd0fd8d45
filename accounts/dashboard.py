"""Sections that other apps add to the signed-in user's overview page (`accounts:dashboard`).

`accounts` imports no other app, so an app that has something to show there (the proposals app:
invitations to co-author) registers a function in its `AppConfig.ready()`:
`register_dashboard_section(function)`. `function(user)` returns None when it has nothing to
show, else a dict with the `template` to include and whatever that template reads; the page
includes each section in the order they were registered, after the user's own invitations.
"""

SECTIONS = []


def register_dashboard_section(function):
    if function not in SECTIONS:
        SECTIONS.append(function)
    return function


def dashboard_sections(user):
    """The sections the overview page shows `user`, in order. Side effects: none."""
    sections = []
    for function in SECTIONS:
        section = function(user)
        if section:
            sections.append(section)
    return sections
