"""A small world for the voter-session tests: stations, identities, answers, and a walker that sends events.

Imported by the other test_voter_session_* files (pytest puts this directory on the path); the tests here check
that the world itself is what the others assume.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any, TypeVar

from kiosk.core.identity import REQUIRED_CHECKS, Identity, typed_iin_identity
from kiosk.core.iin import Iin, parse_iin
from kiosk.core.registration import (
    Ballot,
    Localized,
    RegisteredAddress,
    RegistrationCheck,
    Station,
    TemporaryRegistrationResult,
)
from kiosk.core.voter_session import next_state
from kiosk.core.voter_session_effects import Effect, Speak, WipePersonalData
from kiosk.core.voter_session_events import VoterEvent
from kiosk.core.voter_session_states import SessionContext, VoterSession, start_session
from kiosk.core.voter_session_transitions import Transition

EffectT = TypeVar("EffectT")

NOW = dt.datetime(2024, 3, 17, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))

HOME = Station(
    number=123,
    region="Kyzylorda",
    address=Localized(kk="Абай көшесі, 1", ru="улица Абая, 1", en="1 Abai Street"),
    directions=Localized(kk="мектеп", ru="школа", en="the school"),
    opens="07:00",
    closes="20:00",
    offers_temporary_registration=True,
    commission_desk=2,
)
HOME_WITHOUT_REGISTRATION = dataclasses.replace(HOME, offers_temporary_registration=False)
OTHER = Station(
    number=456,
    region="Kyzylorda",
    address=Localized(kk="Бейбітшілік көшесі, 7", ru="улица Бейбитшилик, 7", en="7 Beibitshilik Street"),
    directions=Localized(kk="3-автобус", ru="автобус 3", en="bus 3 to the library"),
    opens="07:00",
    closes="20:00",
    offers_temporary_registration=False,
    commission_desk=1,
)
# The voter's home address: commission-only data that must never reach a voter's screen.
HOME_ADDRESS = RegisteredAddress(
    address=Localized(kk="Жеке мекенжай 99", ru="Частный адрес 99", en="99 Private Lane"), inside_boundaries=False)

IIN: Iin = parse_iin("850415300012")
OTHER_IIN: Iin = parse_iin("850415300302")
CARD_IDENTITY = Identity(iin=IIN, source="id_card", checks_passed=REQUIRED_CHECKS["id_card"],
                         surname="Example", given_names="Test")
OTHER_CARD_IDENTITY = Identity(iin=OTHER_IIN, source="id_card", checks_passed=REQUIRED_CHECKS["id_card"],
                               surname="Secondvoter", given_names="Voter")
DIGITAL_IDENTITY = Identity(iin=IIN, source="digital_document", checks_passed=REQUIRED_CHECKS["digital_document"])
EMRTD_IDENTITY = Identity(iin=IIN, source="emrtd", checks_passed=REQUIRED_CHECKS["emrtd"])
TYPED_IDENTITY = typed_iin_identity(IIN)

BALLOTS = (Ballot(kind="mazhilis", district=Localized(kk="№5 округ", ru="округ №5", en="district 5"), colour="white"),)
LISTED_HERE = RegistrationCheck(status="listed_here", station=HOME, ballots=BALLOTS, registration=HOME_ADDRESS)
LISTED_ELSEWHERE = RegistrationCheck(status="listed_elsewhere", station=OTHER, registration=HOME_ADDRESS)
NOT_LISTED_MAY_REGISTER = RegistrationCheck(status="not_listed", may_register_temporarily=True)
NOT_LISTED_MAY_NOT_REGISTER = RegistrationCheck(status="not_listed", may_register_temporarily=False)
NOT_ELIGIBLE = RegistrationCheck(status="not_eligible", not_eligible_reason="under_age")

CREATED = TemporaryRegistrationResult(outcome="created", reference="TR-2024-000123", station=HOME)
ALREADY_REGISTERED = TemporaryRegistrationResult(outcome="already_registered", station=OTHER)
REGISTERED_ELSEWHERE = TemporaryRegistrationResult(outcome="listed_elsewhere", station=OTHER)
REFUSED = TemporaryRegistrationResult(outcome="refused", reason="registered_elsewhere_recently")

KEY_SEED = bytes(range(32))


def context(station: Station = HOME) -> SessionContext:
    """The session context of ``station`` with the standard time limits."""
    return SessionContext(station=station, key_seed=KEY_SEED)


def awaited_request(state: VoterSession) -> int | None:
    """The request the current screen waits for (work or print job), or None when it waits for none."""
    for name in ("request_id", "print_request_id"):
        value = getattr(state.screen, name, None)
        if isinstance(value, int):
            return value
    return None


class Walk:
    """Sends events to a session one after another, with the clock moving on as asked."""

    def __init__(self, station: Station = HOME, start: dt.datetime = NOW) -> None:
        self.now = start
        self.state: VoterSession = start_session(context(station), start)
        self.transitions: list[Transition] = []

    def send(self, event: VoterEvent, after: float = 1.0) -> Transition:
        """Send ``event`` ``after`` seconds after the previous one."""
        self.now += dt.timedelta(seconds=after)
        transition = next_state(self.state, event, self.now)
        self.state = transition.state
        self.transitions.append(transition)
        return transition

    @property
    def pending(self) -> int:
        """The request the current screen waits for (work or print job)."""
        request_id = awaited_request(self.state)
        if request_id is None:
            raise AssertionError(f"{self.state.screen.name} waits for no request")
        return request_id

    @property
    def effects(self) -> tuple[Effect, ...]:
        """The effects of the last transition."""
        return self.transitions[-1].effects


def spoken_keys(effects: tuple[Effect, ...]) -> list[str]:
    """The translation keys of the Speak effects, in order."""
    return [effect.translation_key for effect in effects if isinstance(effect, Speak)]


def spoken_params(effects: tuple[Effect, ...], key: str) -> dict[str, str]:
    """The parameters of the first Speak effect with ``key``."""
    for effect in effects:
        if isinstance(effect, Speak) and effect.translation_key == key:
            return dict(effect.params)
    raise AssertionError(f"nothing said with {key}")


def wiped(effects: tuple[Effect, ...]) -> bool:
    """True when the effects include WipePersonalData."""
    return any(isinstance(effect, WipePersonalData) for effect in effects)


def every_value(value: Any) -> Iterator[Any]:
    """``value`` and everything inside it: dataclass fields, tuples, lists, sets, dict keys and values."""
    yield value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from every_value(getattr(value, field.name))
    elif isinstance(value, tuple | list | set | frozenset):
        for item in value:
            yield from every_value(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from every_value(key)
            yield from every_value(item)


PERSONAL_TYPES = (Identity, Iin, RegistrationCheck, TemporaryRegistrationResult, RegisteredAddress)
PERSONAL_TEXTS = (IIN.value, OTHER_IIN.value, "Example", "Secondvoter", "TR-2024-000123")


def personal_data_in(value: Any) -> list[Any]:
    """The personal data found anywhere inside ``value`` (identities, answers, IINs, names, references)."""
    found: list[Any] = [item for item in every_value(value) if isinstance(item, PERSONAL_TYPES)]
    found += [item for item in every_value(value)
              if isinstance(item, str) and any(text in item for text in PERSONAL_TEXTS)]
    return found


def commission_only_data_in(value: Any) -> list[Any]:
    """Registered addresses (and their texts) found anywhere inside ``value``."""
    texts = (HOME_ADDRESS.address.kk, HOME_ADDRESS.address.ru, HOME_ADDRESS.address.en)
    return [item for item in every_value(value)
            if isinstance(item, RegisteredAddress) or (isinstance(item, str) and any(t in item for t in texts))]


def test_the_world_holds_what_the_tests_assume() -> None:
    assert CARD_IDENTITY.by_document and DIGITAL_IDENTITY.by_document and EMRTD_IDENTITY.by_document
    assert not TYPED_IDENTITY.by_document
    assert HOME.offers_temporary_registration and not HOME_WITHOUT_REGISTRATION.offers_temporary_registration
    assert LISTED_ELSEWHERE.registration is not None  # the service sent commission-only data; the kiosk drops it


def test_the_scanners_find_what_they_look_for() -> None:
    walk = Walk()
    assert personal_data_in(walk.state) == []
    assert personal_data_in((CARD_IDENTITY,)) != []
    assert personal_data_in({"note": f"IIN {IIN.value}"}) != []
    assert commission_only_data_in(LISTED_ELSEWHERE) != []
    assert commission_only_data_in(dataclasses.replace(LISTED_ELSEWHERE, registration=None)) == []


def the_effect(effects: tuple[Effect, ...], kind: type[EffectT]) -> EffectT:
    """The one effect of type ``kind`` among ``effects``."""
    found = [effect for effect in effects if isinstance(effect, kind)]
    assert len(found) == 1, f"expected one {kind.__name__}, found {len(found)}"
    return found[0]
