"""Labels of facet values that are codes (a status, a topic's slug), given by the apps that own
them, so that the search page names them without importing those apps.

An app registers, in its AppConfig.ready(), `register_labels("status", function)` where
`function()` returns {code: label} in the active language.
"""

LABELS = {}


def register_labels(facet, function):
    """`function()` gives the labels of `facet`'s values (read at each search)."""
    LABELS[facet] = function


def labels():
    """{facet: {code: label}} for every registered facet."""
    return {facet: function() for facet, function in LABELS.items()}
