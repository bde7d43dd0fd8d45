"""The activity log's verbs: their translated labels and how their stored values read.

Apps declare theirs in their AppConfig.ready() (`core.activity.register_verbs`,
`register_formatter`); the log rows (`core.models.ActivityLog`) read their labels here. This
module imports no model, so that both `core.models` and `core.activity` can use it.
"""

VERBS = {}
FORMATTERS = {}


def register_verbs(labels):
    """`labels` maps a dotted verb ("membership.added") to its lazily translated label."""
    VERBS.update(labels)


def register_formatter(verb, formatter):
    """`formatter(entry, value)` turns a stored old/new value into text for the history tab.

    Values are stored as codes ("editor", "True") so that they read the same in every language;
    the formatter shows them translated.
    """
    FORMATTERS[verb] = formatter


def display_value(entry, value):
    formatter = FORMATTERS.get(entry.verb)
    return formatter(entry, value) if formatter and value != "" else value


def verb_label(verb):
    return VERBS.get(verb, verb)
