"""Dates and times as people write them in each of our languages (`FORMAT_MODULE_PATH`).

Django's own modules leave gaps: Bulgarian has no date-and-time format (it fell back to the
American "Дек. 4, 2026, 4:30 преди обяд") and English writes American dates. Ours, one per
context, with a 24-hour clock everywhere (ro · bg · en):

- DATE_FORMAT: 4 decembrie 2026 · 4 декември 2026 г. · 4 December 2026
- DATETIME_FORMAT: 4 decembrie 2026, ora 14:30 · 4 декември 2026 г., 14:30 ч. ·
  4 December 2026, 14:30
- SHORT_DATE_FORMAT (tables): 04.12.2026 · 04.12.2026 г. · 04/12/2026
- SHORT_DATETIME_FORMAT: 04.12.2026, 14:30 · 04.12.2026 г., 14:30 ч. · 04/12/2026, 14:30

Romanian and Bulgarian write month names in lower case; Django's catalogues capitalise them, so
ours override them (`core.dates.MONTH_NAMES`). Formats not set here (input formats, separators)
are Django's for the language.
"""
