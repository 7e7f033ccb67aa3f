"""Who is at the kiosk: the identity a document reader returns, and which checks it passed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from kiosk.core.iin import Iin

DocumentSource = Literal["id_card", "emrtd", "digital_document", "typed_iin"]

Check = Literal[
    "certificate_chain",  # the card or document signer certificate chains to a configured root
    "certificate_validity",  # every certificate in the chain is valid today
    "card_authentication",  # the card proved it holds the private key (INTERNAL AUTHENTICATE)
    "basic_access_control",  # the chip opened with keys from the MRZ (so the MRZ matches the chip)
    "passive_authentication",  # EF.SOD signature verified up to a configured CSCA
    "data_group_hashes",  # the data groups read match the hashes in EF.SOD
    "mrz_check_digits",  # every MRZ check digit, the composite included
    "issuer_signature",  # a digital document's issuer signature verified against a pinned key
    "document_not_expired",  # the document (or its short-lived presentation) has not expired
    "iin_check_digit",  # the IIN itself is well formed
]

# What a source must have proved before its identity counts as "verified by a document".
REQUIRED_CHECKS: dict[DocumentSource, frozenset[Check]] = {
    "id_card": frozenset({"certificate_chain", "certificate_validity", "iin_check_digit"}),
    "emrtd": frozenset({"basic_access_control", "passive_authentication", "data_group_hashes", "mrz_check_digits",
                        "iin_check_digit"}),
    "digital_document": frozenset({"issuer_signature", "document_not_expired", "iin_check_digit"}),
    "typed_iin": frozenset({"iin_check_digit"}),
}


@dataclass(frozen=True, slots=True)
class Identity:
    """A person identified at the kiosk. ``repr`` and ``str`` never show personal data."""

    iin: Iin
    source: DocumentSource
    checks_passed: frozenset[Check]
    surname: str | None = None
    given_names: str | None = None
    patronymic: str | None = None
    document_number: str | None = None
    document_expiry: dt.date | None = None

    def __post_init__(self) -> None:
        missing = REQUIRED_CHECKS[self.source] - self.checks_passed
        if missing:
            raise ValueError(f"an identity from {self.source} needs the checks {sorted(missing)}")

    @property
    def by_document(self) -> bool:
        """True when a document (card, passport, digital document) proved the identity, not a typed IIN."""
        return self.source != "typed_iin"

    def __repr__(self) -> str:
        return f"Identity(source={self.source}, iin={self.iin}, checks={sorted(self.checks_passed)})"

    __str__ = __repr__


def typed_iin_identity(iin: Iin) -> Identity:
    """The lowest-assurance identity: an IIN typed on the keypad."""
    return Identity(iin=iin, source="typed_iin", checks_passed=frozenset({"iin_check_digit"}))
