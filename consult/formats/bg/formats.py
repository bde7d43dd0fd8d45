# Bulgarian: "4 декември 2026 г., 14:30 ч." (see consult/formats/__init__.py).
DATE_FORMAT = "j F Y г."
TIME_FORMAT = "H:i ч."
DATETIME_FORMAT = "j F Y г., H:i ч."
YEAR_MONTH_FORMAT = "F Y г."
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d.m.Y г."
SHORT_DATETIME_FORMAT = "d.m.Y г., H:i ч."
