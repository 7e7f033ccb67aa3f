"""PC/SC edge cases that need no running pcscd: the native layer is mocked, nothing else."""

from __future__ import annotations

import pytest
from pytest_mock import MockerFixture
from smartcard import scard

from drivers.card.errors import (
    CardCommunicationError,
    CardRemovedError,
    CardServiceUnavailableError,
    CardTimeoutError,
    NoCardError,
    ReaderBusyError,
)
from drivers.card.pcsc import PcscCardReader, pcsc_error

SCARD_E_NO_SERVICE = 0x8010001D  # pcsclite.h


def test_no_pcscd_gives_service_unavailable(mocker: MockerFixture) -> None:
    establish = mocker.patch("smartcard.scard.SCardEstablishContext", return_value=[SCARD_E_NO_SERVICE, 0])
    reader = PcscCardReader("Virtual PCD 00 00")
    with pytest.raises(CardServiceUnavailableError) as raised:
        reader.wait_for_card(0.1)
    assert raised.value.translation_key == "card.service_unavailable"
    assert "0x8010001D" in str(raised.value)
    establish.assert_called()


def test_no_pcscd_when_asking_for_presence(mocker: MockerFixture) -> None:
    mocker.patch("smartcard.scard.SCardEstablishContext", return_value=[SCARD_E_NO_SERVICE, 0])
    with pytest.raises(CardServiceUnavailableError):
        PcscCardReader().card_present()


@pytest.mark.parametrize(
    ("code", "error_class", "translation_key"),
    [
        (scard.SCARD_E_NO_SERVICE, CardServiceUnavailableError, "card.service_unavailable"),
        (scard.SCARD_E_SERVICE_STOPPED, CardServiceUnavailableError, "card.service_unavailable"),
        (scard.SCARD_E_NO_SMARTCARD, NoCardError, "card.no_card"),
        (scard.SCARD_W_UNRESPONSIVE_CARD, NoCardError, "card.no_card"),
        (scard.SCARD_W_REMOVED_CARD, CardRemovedError, "card.removed"),
        (scard.SCARD_W_RESET_CARD, CardRemovedError, "card.removed"),
        (scard.SCARD_E_SHARING_VIOLATION, ReaderBusyError, "card.reader_busy"),
        (scard.SCARD_E_TIMEOUT, CardTimeoutError, "card.timeout"),
        (scard.SCARD_F_INTERNAL_ERROR, CardCommunicationError, "card.communication"),
    ],
)
def test_pcsc_codes_become_typed_errors(code: int, error_class: type, translation_key: str) -> None:
    error = pcsc_error(code, "testing")
    assert type(error) is error_class
    assert error.translation_key == translation_key


def test_signed_codes_are_understood() -> None:
    # Some bindings hand back the LONG as a negative number.
    assert isinstance(pcsc_error(scard.SCARD_E_NO_SERVICE - (1 << 32), "testing"), CardServiceUnavailableError)


def test_unknown_code_keeps_the_native_code() -> None:
    error = pcsc_error(0x80100099, "testing")
    assert isinstance(error, CardCommunicationError) and error.code == 0x80100099
