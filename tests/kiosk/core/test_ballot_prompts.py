"""What a voter hears about their ballots: translated kinds, districts and paper colours, never service codes."""

from __future__ import annotations

import pytest

from kiosk.core.registration import Ballot, Language, Localized
from kiosk.core.voter_session_prompts import (
    BALLOT_COLOUR_KEYS,
    BALLOT_KIND_KEYS,
    SpokenText,
    ballots_prompt,
)
from kiosk.i18n import translator

DISTRICT = Localized(kk="№5 округ", ru="округ №5", en="district 5")
ALL_KINDS_AND_COLOURS = tuple(
    Ballot(kind=kind, district=DISTRICT, colour=colour)
    for kind, colour in zip(BALLOT_KIND_KEYS, [*BALLOT_COLOUR_KEYS, "white"], strict=True)
)


def said(ballots: tuple[Ballot, ...], language: Language) -> list[str]:
    translate = translator(language, strict=True)
    return [translate.gettext(text.translation_key, **dict(text.params))
            for text in ballots_prompt(ballots, language)]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_kind_and_colour_is_said_in_the_voters_language(language: Language) -> None:
    translate = translator(language, strict=True)
    texts = said(ALL_KINDS_AND_COLOURS, language)
    assert texts[0] == translate.gettext("voter.answer.ballots", count=len(ALL_KINDS_AND_COLOURS))
    for position, ballot in enumerate(ALL_KINDS_AND_COLOURS):
        kind, district, colour = texts[1 + 3 * position: 4 + 3 * position]
        assert kind == translate.gettext(BALLOT_KIND_KEYS[ballot.kind])
        assert DISTRICT.in_language(language) in district
        assert colour == translate.gettext(BALLOT_COLOUR_KEYS[ballot.colour])
    if language != "en":  # no service code (Latin letters) reaches a Kazakh or Russian listener
        assert not any(letter.isascii() and letter.isalpha() for letter in " ".join(texts))


def test_russian_names_the_ballots_and_colours() -> None:
    ballots = (Ballot(kind="mazhilis", district=DISTRICT, colour="white"),
               Ballot(kind="district_maslikhat", district=DISTRICT, colour="pink"))
    assert said(ballots, "ru") == [
        "Бюллетени, которые вы получите (2):",
        "Мажилис (партийные списки)", "округ №5, цвет бумаги:", "белый",
        "Районный маслихат", "округ №5, цвет бумаги:", "розовый",
    ]


def test_a_kind_or_colour_this_release_does_not_know_is_said_as_the_service_names_it() -> None:
    ballots = (Ballot(kind="senate", district=DISTRICT, colour="orange"),)
    texts = ballots_prompt(ballots, "en")
    assert texts[1] == SpokenText("voter.answer.ballot.unnamed", (("name", "senate"),))
    assert texts[3] == SpokenText("voter.answer.ballot.unnamed", (("name", "orange"),))
    assert said(ballots, "kk")[1:] == ["senate", "№5 округ, қағазының түсі:", "orange"]


def test_no_ballots_says_only_the_count() -> None:
    assert ballots_prompt((), "en") == (SpokenText("voter.answer.ballots", (("count", "0"),)),)
