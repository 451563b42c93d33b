"""International names, addresses and awkward multi-line descriptions for the seed world.

Every seeded name carries a non-ASCII token, cycling by record through accented Latin, CJK (and
Hangul) and emoji outside the Basic Multilingual Plane, so every encoding path (JSON escapes,
UTF-16 surrogate pairs, CSV, URL encoding) is exercised by default. Every description runs over
three lines and carries double quotes, apostrophes and commas, which is what breaks CSV writers
and hand-rolled escaping. Cities keep their own spelling (München, 東京, Montréal), phone numbers
carry their country's calling code, and e-mail addresses stay ASCII. Everything is drawn from the
caller's seeded ``random.Random``, so a seed always gives the same text.
"""

from __future__ import annotations

import random
import unicodedata

ACCENTED = (
    "Zürich",
    "Société",
    "Ørsted",
    "Ñandú",
    "Crème",
    "Łódź",
    "São Paulo",
    "Reykjavík",
    "Český",
    "Ångström",
    "Façade",
    "Göteborg",
)
CJK = ("東京", "北京", "大阪", "上海", "서울", "台北", "京都", "深圳")
EMOJI = ("🚀", "🌲", "🦊", "🌍", "📦", "🛰️", "🧭", "🐙")
_KINDS = (ACCENTED, CJK, EMOJI)
FIRST_NAMES = ("Björn", "Chloé", "Élodie", "José", "Søren", "Zoë", "Åsa", "Jürgen", "Inés")
LAST_NAMES = ("Ito", "Jones", "Khan", "Lopez", "Meyer", "O'Brien")
ACCENTED_LAST_NAMES = ("Müller", "Núñez", "Łukasiewicz", "Ørnsby", "Çelik", "Dvořák")
CJK_LAST_NAMES = ("佐藤", "王", "김", "陳", "高橋", "李")


def intl(rnd: random.Random, n: int) -> str:
    """A non-ASCII token: accented for ``n % 3 == 0``, CJK for 1, emoji for 2."""
    return rnd.choice(_KINDS[n % 3])


def last_name(rnd: random.Random, n: int) -> str:
    """A person's last name with a non-ASCII letter (accented, CJK, or an emoji after it)."""
    kind = n % 3
    if kind == 0:
        return rnd.choice(ACCENTED_LAST_NAMES)
    if kind == 1:
        return rnd.choice(CJK_LAST_NAMES)
    return f"{rnd.choice(LAST_NAMES)} {rnd.choice(EMOJI)}"


def description(rnd: random.Random, subject: str) -> str:
    """Three lines about ``subject`` with quotes, apostrophes, commas and non-ASCII text."""
    return (
        f'{subject}, seeded by channelsync: "quoted", with commas, and a partner\'s note.\n'
        f'"Line two" starts with a quote; values: 1,5 / 2,5, {rnd.choice(ACCENTED)}.\n'
        f"Line three: {rnd.choice(CJK)} {rnd.choice(EMOJI)}, done."
    )


CITIES: dict[str, tuple[str, ...]] = {
    "US": ("San José", "New York", "Austin"),
    "GB": ("London", "Manchester", "Edinburgh"),
    "DE": ("München", "Köln", "Düsseldorf"),
    "FR": ("Paris", "Orléans", "Besançon"),
    "JP": ("東京", "大阪", "京都"),
    "BH": ("Manama", "Muharraq"),
    "CA": ("Montréal", "Québec", "Toronto"),
    "AU": ("Sydney", "Melbourne"),
}
_CALLING_CODES = {
    "US": "1",
    "GB": "44",
    "DE": "49",
    "FR": "33",
    "JP": "81",
    "BH": "973",
    "CA": "1",
    "AU": "61",
}


def city(rnd: random.Random, country: str) -> str:
    """A city of ``country`` (an ISO code the seed uses), in its own spelling."""
    return rnd.choice(CITIES[country])


def phone(rnd: random.Random, country: str) -> str:
    """A phone number in international form, e.g. ``+49 30 5550 1234``."""
    return (
        f"+{_CALLING_CODES[country]} {rnd.randint(20, 99)} "
        f"{rnd.randint(1000, 9999)} {rnd.randint(1000, 9999)}"
    )


_UNDECOMPOSED = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss"})


def mailbox(first_name: str, n: int) -> str:
    """An ASCII mailbox name from a first name and a number: ``Björn``, 7 -> ``bjorn.7``."""
    decomposed = unicodedata.normalize("NFKD", first_name.translate(_UNDECOMPOSED))
    folded = decomposed.encode("ascii", "ignore").decode()
    return f"{folded.lower() or 'contact'}.{n}"
