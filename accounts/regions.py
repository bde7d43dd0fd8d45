"""Where a participant lives, as the participation figures count it: a Romanian county (județ,
with Bucharest), a Bulgarian province (област, with the capital), or another country. Codes are
ISO 3166-2 (`RO-VN`, `BG-22`); `XX` is another country; empty is "not said" (the profile
question is optional).

Romanian county names are written in Romanian in every language (as the counties write
themselves); Bulgarian province names are translated (Cyrillic in Bulgarian, transliterated in
Romanian and English).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ANOTHER_COUNTRY = "XX"

ROMANIAN_COUNTIES = [
    ("RO-AB", "Alba"), ("RO-AR", "Arad"), ("RO-AG", "Argeș"), ("RO-BC", "Bacău"),
    ("RO-BH", "Bihor"), ("RO-BN", "Bistrița-Năsăud"), ("RO-BT", "Botoșani"),
    ("RO-BR", "Brăila"), ("RO-BV", "Brașov"), ("RO-B", "București"), ("RO-BZ", "Buzău"),
    ("RO-CL", "Călărași"), ("RO-CS", "Caraș-Severin"), ("RO-CJ", "Cluj"),
    ("RO-CT", "Constanța"), ("RO-CV", "Covasna"), ("RO-DB", "Dâmbovița"), ("RO-DJ", "Dolj"),
    ("RO-GL", "Galați"), ("RO-GR", "Giurgiu"), ("RO-GJ", "Gorj"), ("RO-HR", "Harghita"),
    ("RO-HD", "Hunedoara"), ("RO-IL", "Ialomița"), ("RO-IS", "Iași"), ("RO-IF", "Ilfov"),
    ("RO-MM", "Maramureș"), ("RO-MH", "Mehedinți"), ("RO-MS", "Mureș"), ("RO-NT", "Neamț"),
    ("RO-OT", "Olt"), ("RO-PH", "Prahova"), ("RO-SJ", "Sălaj"), ("RO-SM", "Satu Mare"),
    ("RO-SB", "Sibiu"), ("RO-SV", "Suceava"), ("RO-TR", "Teleorman"), ("RO-TM", "Timiș"),
    ("RO-TL", "Tulcea"), ("RO-VL", "Vâlcea"), ("RO-VS", "Vaslui"), ("RO-VN", "Vrancea"),
]  # fmt: skip

BULGARIAN_PROVINCES = [
    ("BG-01", pgettext_lazy("province", "Blagoevgrad")),
    ("BG-02", pgettext_lazy("province", "Burgas")),
    ("BG-03", pgettext_lazy("province", "Varna")),
    ("BG-04", pgettext_lazy("province", "Veliko Tarnovo")),
    ("BG-05", pgettext_lazy("province", "Vidin")),
    ("BG-06", pgettext_lazy("province", "Vratsa")),
    ("BG-07", pgettext_lazy("province", "Gabrovo")),
    ("BG-08", pgettext_lazy("province", "Dobrich")),
    ("BG-09", pgettext_lazy("province", "Kardzhali")),
    ("BG-10", pgettext_lazy("province", "Kyustendil")),
    ("BG-11", pgettext_lazy("province", "Lovech")),
    ("BG-12", pgettext_lazy("province", "Montana")),
    ("BG-13", pgettext_lazy("province", "Pazardzhik")),
    ("BG-14", pgettext_lazy("province", "Pernik")),
    ("BG-15", pgettext_lazy("province", "Pleven")),
    ("BG-16", pgettext_lazy("province", "Plovdiv")),
    ("BG-17", pgettext_lazy("province", "Razgrad")),
    ("BG-18", pgettext_lazy("province", "Ruse")),
    ("BG-19", pgettext_lazy("province", "Silistra")),
    ("BG-20", pgettext_lazy("province", "Sliven")),
    ("BG-21", pgettext_lazy("province", "Smolyan")),
    ("BG-22", pgettext_lazy("province", "Sofia (capital)")),
    ("BG-23", pgettext_lazy("province", "Sofia Province")),
    ("BG-24", pgettext_lazy("province", "Stara Zagora")),
    ("BG-25", pgettext_lazy("province", "Targovishte")),
    ("BG-26", pgettext_lazy("province", "Haskovo")),
    ("BG-27", pgettext_lazy("province", "Shumen")),
    ("BG-28", pgettext_lazy("province", "Yambol")),
]

# The choices of the profile's field, grouped by country for the select.
CHOICES = [
    (_("Romania"), ROMANIAN_COUNTIES),
    (_("Bulgaria"), BULGARIAN_PROVINCES),
    (ANOTHER_COUNTRY, _("Another country")),
]

LABELS = dict([*ROMANIAN_COUNTIES, *BULGARIAN_PROVINCES, (ANOTHER_COUNTRY, _("Another country"))])

# The countries the figures count, in order; "" is "not said".
COUNTRIES = [
    ("RO", _("Romania")),
    ("BG", _("Bulgaria")),
    (ANOTHER_COUNTRY, _("Another country")),
    ("", _("Not said")),
]


def country_of(code):
    """ "RO", "BG", "XX" or "" (not said) for a region code."""
    return code.split("-", 1)[0] if code else ""
