"""Query terms and the surface forms that coverage matches against article words."""

from __future__ import annotations

from knowledge.text import STOPWORDS, has_word, surface_forms, tokens, word_set

WORDS = [
    "card",
    "cards",
    "carding",
    "carded",
    "stories",
    "story",
    "flies",
    "fly",
    "blessing",
    "blessings",
    "bless",
    "running",
    "runs",
    "run",
    "buses",
    "bus",
    "address",
    "addresses",
    "thing",
    "things",
    "deliveries",
    "delivery",
    "delivered",
    "delivering",
    "ies",
    "ied",
    "sing",
    "sings",
    "singing",
    "is",
    "as",
    "this",
    "its",
]


def test_surface_forms_are_exactly_the_words_that_stem_to_the_term() -> None:
    terms = {term for word in WORDS for term in tokens(word)}
    for term in terms:
        expected = {w for w in WORDS if tokens(w) == [term]}
        assert surface_forms(term) & set(WORDS) == expected, term


def test_surface_forms_leave_out_stop_words_and_long_words() -> None:
    assert surface_forms("i") & STOPWORDS == set()
    assert surface_forms("x" * 40) == frozenset()
    assert surface_forms("card") == {"card", "cards", "cardes", "carded", "carding"}


def test_word_set_is_lower_case_words_without_punctuation() -> None:
    assert word_set("Cards, cards; CARD_x 3ds") == {"cards", "card", "x", "3ds"}


def test_has_word_finds_exactly_the_words_of_word_set() -> None:
    texts = [
        "Cards, cards; CARD_x 3ds",
        "scard cardx x_card card_ é-card cardé",
        "card",
        "the password-reset page\nreset",
        "naïve naïveté 3ds3 ds",
    ]
    probes = ["card", "cards", "x", "3ds", "ds", "reset", "password", "naïve", "naïv", "é"]
    for text in texts:
        lowered = text.lower()
        found = {word for word in probes if has_word(lowered, word)}
        assert found == word_set(text) & set(probes), text
