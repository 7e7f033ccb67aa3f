"""The signed client against the real simulated service: every kind of answer, idempotent registration,
untrusted answers, faults, and an unreachable service."""

from __future__ import annotations

import secrets
import socket
import time

import pytest
from support.egov import RunningService
from support.egov_fixtures import QUICK_POLICY

from drivers.keystore.keyfile import FileKeyStore
from kiosk.core.iin import parse_iin
from kiosk.egov.client import EgovClient
from kiosk.egov.errors import (
    ResponseNotTrusted,
    ServiceRejected,
    ServiceTimeout,
    ServiceUnavailable,
    ServiceUnreachable,
)
from kiosk.wiring import open_device_key
from simulator.egov.population import sample_voters
from simulator.egov.registry import Registry

pytestmark = pytest.mark.usefixtures("no_faults")


def _voter(service: RunningService, category: str, index: int = 0) -> str:
    return sample_voters(service.paths.database, category, index + 1, station=service.station)[index]  # type: ignore[arg-type]


def test_listed_here_comes_with_station_hours_and_ballots(service: RunningService, client: EgovClient) -> None:
    check = client.registration_check(parse_iin(_voter(service, "listed_here")))
    assert check.status == "listed_here"
    assert check.station is not None and check.station.number == service.station
    assert check.station.opens and check.station.closes
    assert len(check.ballots) >= 2
    assert all(ballot.district.kk and ballot.district.ru and ballot.district.en for ballot in check.ballots)
    assert check.registration is None  # a voter never sees an address


def test_listed_elsewhere_names_the_other_station_and_not_the_home_address(
    service: RunningService, client: EgovClient
) -> None:
    check = client.registration_check(parse_iin(_voter(service, "listed_elsewhere")))
    assert check.status == "listed_elsewhere"
    assert check.station is not None and check.station.number != service.station
    assert check.station.address.ru and check.station.directions.en
    assert check.registration is None


def test_not_listed_and_temporary_registration_offer(service: RunningService, client: EgovClient) -> None:
    registered = client.registration_check(parse_iin(_voter(service, "not_listed")))
    assert registered.status == "not_listed" and not registered.may_register_temporarily
    unregistered = client.registration_check(parse_iin(_voter(service, "no_registration")))
    assert unregistered.status == "not_listed"
    assert unregistered.may_register_temporarily  # the kiosk's station offers it (the fixture picks one that does)


def test_under_age_is_not_eligible(service: RunningService, client: EgovClient) -> None:
    check = client.registration_check(parse_iin(_voter(service, "under_age")))
    assert check.status == "not_eligible"
    assert check.not_eligible_reason == "under_age"


def test_commission_view_shows_the_address_and_boundary(service: RunningService, client: EgovClient) -> None:
    check = client.registration_check(parse_iin(_voter(service, "not_listed")), purpose="commission", member_id="M-1")
    assert check.registration is not None
    assert check.registration.inside_boundaries
    assert check.registration.address.kk


def test_temporary_registration_is_idempotent_and_one_place_only(service: RunningService, client: EgovClient) -> None:
    iin = parse_iin(_voter(service, "no_registration", index=1))
    key = secrets.token_hex(16)
    first = client.temporary_registration(iin, document_kind="id_card", document_number="N0001", idempotency_key=key)
    again = client.temporary_registration(iin, document_kind="id_card", document_number="N0001", idempotency_key=key)
    assert first.outcome == "created" and first.reference
    assert again == first
    other_key = client.temporary_registration(
        iin, document_kind="id_card", document_number="N0001", idempotency_key=secrets.token_hex(16)
    )
    assert other_key.outcome == "already_registered"
    assert other_key.station is not None and other_key.station.number == service.station
    with pytest.raises(ServiceRejected) as raised:
        client.temporary_registration(iin, document_kind="passport", document_number="X", idempotency_key=key)
    assert raised.value.reason == "idempotency_key_reused"
    registry = Registry(service.paths.database)
    try:
        count = registry._db.execute("SELECT COUNT(*) FROM temporary_registrations WHERE iin = ?", (iin.value,))
        assert count.fetchone()[0] == 1
    finally:
        registry.close()
    assert client.registration_check(iin).status == "listed_here"


def test_temporary_registration_refused_for_someone_listed(service: RunningService, client: EgovClient) -> None:
    iin = parse_iin(_voter(service, "listed_elsewhere", index=1))
    answer = client.temporary_registration(
        iin, document_kind="passport", document_number="N2", idempotency_key=secrets.token_hex(16)
    )
    assert answer.outcome == "listed_elsewhere"
    assert answer.station is not None and answer.station.number != service.station


def test_list_decision_keeps_a_voter_in_one_list(service: RunningService, client: EgovClient) -> None:
    elsewhere = parse_iin(_voter(service, "listed_elsewhere"))
    refused = client.list_decision(
        elsewhere, decision="include", member_id="M-7", idempotency_key=secrets.token_hex(16)
    )
    assert refused.outcome == "listed_elsewhere"
    not_listed = parse_iin(_voter(service, "not_listed", index=2))
    key = secrets.token_hex(16)
    included = client.list_decision(not_listed, decision="include", member_id="M-7", idempotency_key=key)
    assert included.outcome == "included" and included.decision_number
    assert client.list_decision(not_listed, decision="include", member_id="M-7", idempotency_key=key) == included
    assert client.registration_check(not_listed).status == "listed_here"


@pytest.mark.parametrize("fault", ["unsigned", "bad_signature"])
def test_untrusted_answers_are_never_returned(service: RunningService, client: EgovClient, fault: str) -> None:
    service.set_faults(**{fault: 1.0})
    with pytest.raises(ResponseNotTrusted):
        client.registration_check(parse_iin(_voter(service, "listed_here")))


def test_a_replayed_earlier_answer_is_refused(service: RunningService, client: EgovClient) -> None:
    listed = parse_iin(_voter(service, "listed_here"))
    assert client.registration_check(listed).status == "listed_here"
    service.set_faults(replay=1.0)
    # The replayed answer is a genuine service signature, but over another request's signature.
    with pytest.raises(ResponseNotTrusted):
        client.registration_check(parse_iin(_voter(service, "under_age")))


def test_server_errors_are_retried_then_reported(service: RunningService, client: EgovClient) -> None:
    service.set_faults(error=1.0)
    with pytest.raises(ServiceUnavailable):
        client.registration_check(parse_iin(_voter(service, "listed_here")))


def test_dropped_connections_are_reported_as_unreachable(service: RunningService, client: EgovClient) -> None:
    service.set_faults(drop=1.0)
    with pytest.raises(ServiceUnreachable):
        client.registration_check(parse_iin(_voter(service, "listed_here")))


def test_slow_answers_time_out_within_the_deadline(service: RunningService, client: EgovClient) -> None:
    service.set_faults(latency_ms=3000)
    started = time.monotonic()
    with pytest.raises(ServiceTimeout):
        client.registration_check(parse_iin(_voter(service, "listed_here")))
    assert time.monotonic() - started <= QUICK_POLICY.deadline + 0.5


def test_recovers_by_itself_when_a_fault_ends(service: RunningService, client: EgovClient) -> None:
    service.set_faults(error=1.0)
    with pytest.raises(ServiceUnavailable):
        client.registration_check(parse_iin(_voter(service, "listed_here")))
    service.set_faults(clear=True)
    assert client.registration_check(parse_iin(_voter(service, "listed_here"))).status == "listed_here"


def test_unreachable_service_is_said_plainly(service: RunningService) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    config = service.config
    client = EgovClient(
        base_url=f"https://127.0.0.1:{free_port}",
        signer=open_device_key(config),
        service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file),
        station=config.station,
        policy=QUICK_POLICY,
    )
    with pytest.raises(ServiceUnreachable) as raised:
        client.registration_check(parse_iin(_voter(service, "listed_here")))
    assert raised.value.translation_key == "service.unreachable"


def test_an_unknown_device_key_is_rejected_by_the_service(service: RunningService) -> None:
    config = service.config
    stranger = FileKeyStore.create(service.paths.root / f"stranger-{secrets.token_hex(4)}.pem", b"pass")
    client = EgovClient(
        base_url=config.service.base_url,
        signer=stranger,
        service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file),
        station=config.station,
        policy=QUICK_POLICY,
    )
    with pytest.raises(ServiceRejected) as raised:
        client.registration_check(parse_iin(_voter(service, "listed_here")))
    assert raised.value.reason == "unknown_key"


def test_station_info_describes_the_kiosks_own_station(service: RunningService, client: EgovClient) -> None:
    station = client.station_info()
    assert station.number == service.station
    assert station.offers_temporary_registration
    assert station.address.kk and station.address.ru and station.address.en
    assert station.commission_desk >= 1
