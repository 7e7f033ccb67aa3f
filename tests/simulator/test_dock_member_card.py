"""The dock's "insert member card (PIN 1234)": a member card of the simulated territorial commission CA."""

from __future__ import annotations

import datetime as dt

import pytest
from support.egov import RunningService

from kiosk.commission_card import read_member_card, verify_pin
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.world import prepare_card_issuers
from simulator.dock.card_slots import InProcessCardSlot
from simulator.dock.controls import MEMBER_CARD_PIN, DockControls
from simulator.dock.errors import DockRequestError
from simulator.dock.service_control import ServiceControl
from simulator.scanner import SimCodeScanner


def test_the_member_card_logs_in_with_its_pin(service: RunningService) -> None:
    reader = InProcessCardReader()
    home = service.paths.root
    controls = DockControls(home=home, station=service.station, slot=InProcessCardSlot(reader),
                            scanner=SimCodeScanner(), service=ServiceControl.for_home(home, service.base_url))
    state = controls.insert_member_card("secretary")
    assert state["present"] and state["card"]["faults"] == ["member-card"]
    commission_ca = prepare_card_issuers(home).national_pki.commission_ca.certificate
    with reader.wait_for_card(2.0) as channel:
        member = read_member_card(channel, SIMULATOR_PROFILE, commission_ca, dt.date.today())
        assert member.role == "secretary"
        assert verify_pin(channel, "0000").outcome == "incorrect"
        assert verify_pin(channel, MEMBER_CARD_PIN).outcome == "correct"
    with pytest.raises(DockRequestError):
        controls.insert_member_card("president")
