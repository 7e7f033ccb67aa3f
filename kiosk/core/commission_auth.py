"""Commission and technician login as a reducer: ``determine_new_auth_status(state, action, now) -> state``.

The member's own card (a certificate from the territorial commission CA naming the role, read and verified
outside the core) plus a PIN that the card itself verifies (VERIFY, ISO/IEC 7816-4:2020 11.5.6). This module
only decides what the results mean; it does no I/O and reads no clock (``now`` comes in).

States: :class:`Locked` (no card), :class:`AwaitingPin` (a verified member card is in the reader),
:class:`LoggedIn` (member identity and role), :class:`LockedOut` (too many wrong PINs: nothing until ``until``).

Rules kept here:

- wrong PINs grow a delay before the next try (``AuthPolicy.delays``: 0, 2, 5, 15 s); the ``lockout_after``-th
  wrong PIN locks the kiosk's login out for ``lockout_duration``. The count belongs to the kiosk, not to the
  card in the reader, so pulling a card and trying another does not reset it; only a right PIN does;
- a card that says its PIN is blocked (``6983``) stays :class:`AwaitingPin` with ``card_blocked`` set;
- logged in, ``inactivity_limit`` without activity, "lock now", or the card pulled out locks the session (with
  the card still in, back to :class:`AwaitingPin`);
- what a role may do is :func:`can`, one table, checked here and in ``kiosk.core.commission_session``; the UI
  only asks.

Expected outcomes (a wrong PIN, a PIN try too early, a denied action) are values, never exceptions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

from kiosk.core.iin import Iin

Role = Literal["member", "secretary", "deputy_chair", "chair", "technician"]
ROLES: tuple[Role, ...] = ("member", "secretary", "deputy_chair", "chair", "technician")

# The role as the territorial commission CA writes it in the certificate's OU (simulator/cards/national_pki.py
# COMMISSION_ROLE_UNITS and simulator/cards/member_card.py TECHNICIAN_ROLE_UNIT issue the same strings).
ROLE_UNITS: dict[str, Role] = {
    "PEC member": "member",
    "PEC secretary": "secretary",
    "PEC deputy chair": "deputy_chair",
    "PEC chair": "chair",
    "Kiosk technician": "technician",
}

Permission = Literal[
    "check_registration",  # look a voter up on a written request (sees the registered address)
    "decide_inclusion",  # include or refuse, with a printed decision
    "view_day_decisions",  # today's decisions, without names
    "print_day_summary",  # end-of-day summary, printed and exported as a signed CSV
    "run_self_test",  # the technician's self-test
    "export_journal",  # export the audit journal
]

_COMMISSION_WORK: frozenset[Permission] = frozenset({"check_registration", "decide_inclusion", "view_day_decisions"})
_SUMMARY: frozenset[Permission] = frozenset({"print_day_summary"})
# A technician maintains the kiosk and never sees voters' data; commission members never touch the device.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "member": _COMMISSION_WORK,
    "secretary": _COMMISSION_WORK | _SUMMARY,
    "deputy_chair": _COMMISSION_WORK | _SUMMARY,
    "chair": _COMMISSION_WORK | _SUMMARY,
    "technician": frozenset({"run_self_test", "export_journal"}),
}


def can(role: Role, permission: Permission) -> bool:
    """True when ``role`` may do ``permission`` (the one table, :data:`PERMISSIONS`)."""
    return permission in PERMISSIONS.get(role, frozenset())


@dataclass(frozen=True, slots=True)
class MemberIdentity:
    """Who holds the member card: read from a certificate the territorial commission CA issued.

    ``member_id`` is what the service records for a decision (the certificate's serial number in hex, not the
    IIN); ``commission`` is the certificate's O. ``repr`` shows the role and member id, never the names or IIN.
    """

    iin: Iin
    surname: str | None
    given_names: str | None
    role: Role
    commission: str
    member_id: str

    @property
    def display_name(self) -> str:
        """The name as printed on a decision: surname and given names."""
        return " ".join(part for part in (self.surname, self.given_names) if part)

    def __repr__(self) -> str:
        return f"MemberIdentity(role={self.role}, member_id={self.member_id})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """Delays after wrong PINs, the lockout, and the inactivity lock.

    ``delays[n - 1]`` is the wait after the n-th wrong PIN in a row (the last one repeats); the
    ``lockout_after``-th wrong PIN locks login for ``lockout_duration``.
    """

    delays: tuple[dt.timedelta, ...] = (
        dt.timedelta(seconds=0), dt.timedelta(seconds=2), dt.timedelta(seconds=5), dt.timedelta(seconds=15),
    )
    lockout_after: int = 5
    lockout_duration: dt.timedelta = dt.timedelta(minutes=15)
    inactivity_limit: dt.timedelta = dt.timedelta(minutes=5)

    def __post_init__(self) -> None:
        if not self.delays or any(delay < dt.timedelta(0) for delay in self.delays):
            raise ValueError("the PIN delays must be a non-empty list of non-negative durations")
        if self.lockout_after < 1:
            raise ValueError("the lockout needs a limit of at least one wrong PIN")
        if self.lockout_duration <= dt.timedelta(0) or self.inactivity_limit <= dt.timedelta(0):
            raise ValueError("the lockout and inactivity durations must be positive")

    def delay_after(self, wrong_pins: int) -> dt.timedelta:
        """The wait after ``wrong_pins`` wrong PINs in a row."""
        if wrong_pins <= 0:
            return dt.timedelta(0)
        return self.delays[min(wrong_pins, len(self.delays)) - 1]


@dataclass(frozen=True, slots=True)
class Throttle:
    """The kiosk's count of wrong PINs in a row and the earliest time of the next try."""

    wrong_pins: int = 0
    next_try_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Locked:
    """No member card in the reader."""

    throttle: Throttle = Throttle()
    status: Literal["locked"] = "locked"


@dataclass(frozen=True, slots=True)
class AwaitingPin:
    """A verified member card is in the reader; the PIN is asked. ``card_blocked``: the card refuses every PIN."""

    member: MemberIdentity
    throttle: Throttle = Throttle()
    card_tries_left: int | None = None
    card_blocked: bool = False
    status: Literal["awaiting_pin"] = "awaiting_pin"


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """The member is logged in with their role; ``last_activity`` drives the inactivity lock."""

    member: MemberIdentity
    logged_in_at: dt.datetime
    last_activity: dt.datetime
    status: Literal["logged_in"] = "logged_in"


@dataclass(frozen=True, slots=True)
class LockedOut:
    """Too many wrong PINs: no login until ``until``. ``card`` is the member card in the reader, if any."""

    until: dt.datetime
    card: MemberIdentity | None = None
    status: Literal["locked_out"] = "locked_out"


AuthState = Locked | AwaitingPin | LoggedIn | LockedOut


@dataclass(frozen=True, slots=True)
class CardInserted:
    """A member card was read: its certificate chains to the commission CA and the card proved its key."""

    member: MemberIdentity


@dataclass(frozen=True, slots=True)
class CardRemoved:
    """The member card left the reader."""


@dataclass(frozen=True, slots=True)
class PinCorrect:
    """The card accepted the PIN (VERIFY answered 9000)."""


@dataclass(frozen=True, slots=True)
class PinIncorrect:
    """The card refused the PIN (63Cx); ``tries_left`` is the card's own counter x."""

    tries_left: int


@dataclass(frozen=True, slots=True)
class PinBlocked:
    """The card's PIN is blocked (6983): no PIN will open it until the commission CA unblocks it."""


@dataclass(frozen=True, slots=True)
class Activity:
    """The logged-in member touched the screen or a key."""


@dataclass(frozen=True, slots=True)
class InactivityTick:
    """Time passed (the caller's timer); locks on inactivity and ends a lockout."""


@dataclass(frozen=True, slots=True)
class LockNow:
    """The member asked to lock the kiosk."""


AuthAction = CardInserted | CardRemoved | PinCorrect | PinIncorrect | PinBlocked | Activity | InactivityTick | LockNow


@dataclass(frozen=True, slots=True)
class PinTryAllowed:
    """The PIN may be sent to the card now."""


@dataclass(frozen=True, slots=True)
class PinTryRefused:
    """No PIN try now; ``reason`` says why and ``retry_at`` when (for a delay or a lockout)."""

    reason: Literal["no_card", "delay", "locked_out", "card_blocked", "logged_in"]
    retry_at: dt.datetime | None = None

    @property
    def translation_key(self) -> str:
        """The text telling the member why (kk/ru/en catalogues)."""
        return PIN_REFUSAL_KEYS[self.reason]


PIN_REFUSAL_KEYS: dict[str, str] = {
    "no_card": "commission.login.insert_card",
    "delay": "commission.login.wait",
    "locked_out": "commission.login.locked_out",
    "card_blocked": "commission.login.card_blocked",
    "logged_in": "commission.login.already",
}


def pin_try(state: AuthState, now: dt.datetime) -> PinTryAllowed | PinTryRefused:
    """May a PIN be sent to the card at ``now``? The caller asks before every VERIFY."""
    match state:
        case Locked():
            return PinTryRefused("no_card")
        case LoggedIn():
            return PinTryRefused("logged_in")
        case LockedOut(until=until):
            return PinTryRefused("locked_out", until) if now < until else PinTryRefused("no_card")
        case AwaitingPin(card_blocked=True):
            return PinTryRefused("card_blocked")
        case AwaitingPin(throttle=Throttle(next_try_at=next_try_at)) if next_try_at is not None and now < next_try_at:
            return PinTryRefused("delay", next_try_at)
    return PinTryAllowed()


def logged_in_member(state: AuthState) -> MemberIdentity | None:
    """The member logged in, or None."""
    return state.member if isinstance(state, LoggedIn) else None


def may(state: AuthState, permission: Permission) -> bool:
    """True when someone is logged in whose role allows ``permission``."""
    member = logged_in_member(state)
    return member is not None and can(member.role, permission)


def determine_new_auth_status(
    state: AuthState, action: AuthAction, now: dt.datetime, policy: AuthPolicy | None = None
) -> AuthState:
    """The state after ``action`` at ``now``. Pure; never raises; an action meaning nothing leaves it as it is."""
    policy = policy or AuthPolicy()
    if isinstance(state, LockedOut):
        return _locked_out(state, action, now)
    match action:
        case CardInserted(member=member):
            return AwaitingPin(member, _throttle_of(state))
        case CardRemoved():
            return Locked(_throttle_of(state))
        case InactivityTick():
            if isinstance(state, LoggedIn) and now - state.last_activity >= policy.inactivity_limit:
                return AwaitingPin(state.member)
            return state
        case LockNow():
            return AwaitingPin(state.member) if isinstance(state, LoggedIn) else state
        case Activity():
            return replace(state, last_activity=now) if isinstance(state, LoggedIn) else state
    if not isinstance(state, AwaitingPin):
        return state  # a PIN result with no card awaiting one (a late answer after removal) changes nothing
    match action:
        case PinCorrect():
            if state.card_blocked:
                return state
            return LoggedIn(state.member, logged_in_at=now, last_activity=now)
        case PinIncorrect(tries_left=tries_left):
            return _wrong_pin(state, tries_left, now, policy)
        case PinBlocked():
            return replace(state, card_blocked=True, card_tries_left=0)
    return state


def _throttle_of(state: AuthState) -> Throttle:
    return state.throttle if isinstance(state, Locked | AwaitingPin) else Throttle()


def _wrong_pin(state: AwaitingPin, tries_left: int, now: dt.datetime, policy: AuthPolicy) -> AuthState:
    wrong_pins = state.throttle.wrong_pins + 1
    if wrong_pins >= policy.lockout_after:
        return LockedOut(until=now + policy.lockout_duration, card=state.member)
    throttle = Throttle(wrong_pins, now + policy.delay_after(wrong_pins))
    return replace(state, throttle=throttle, card_tries_left=max(tries_left, 0), card_blocked=tries_left <= 0)


def _locked_out(state: LockedOut, action: AuthAction, now: dt.datetime) -> AuthState:
    match action:
        case CardInserted(member=member):
            return replace(state, card=member)
        case CardRemoved():
            return replace(state, card=None)
        case InactivityTick() if now >= state.until:
            # The lockout is over: start again with a clean count (a card still in the reader is asked its PIN).
            return Locked() if state.card is None else AwaitingPin(state.card)
    return state
