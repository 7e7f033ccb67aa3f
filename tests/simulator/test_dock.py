"""The simulator dock's API against real parts: the in-process card reader, the simulated scanner and printer,
and the simulated service (``service`` fixture); the token and Host checks."""

from __future__ import annotations

import datetime as dt
import json
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.egov import RunningService

from drivers.card.errors import CardRemovedError
from drivers.printer.printout import Paragraph, Printout, Title
from kiosk.documents.digital import read_digital_document
from kiosk.documents.identify import identify_card
from kiosk.egov.client import EgovClient
from kiosk.wiring import open_device_key
from simulator.cards.inprocess import InProcessCardReader
from simulator.dock.card_slots import InProcessCardSlot
from simulator.dock.controls import DockControls
from simulator.dock.server import DockServer
from simulator.dock.service_control import ServiceControl
from simulator.dock.spoken import SpokenLine
from simulator.egov.population import VOTER_CATEGORIES, category_of
from simulator.printer import SimPrinter
from simulator.scanner import SimCodeScanner


@dataclass
class Dock:
    """A running dock and the parts it drives."""

    server: DockServer
    reader: InProcessCardReader
    scanner: SimCodeScanner
    printer: SimPrinter
    spoken: list[SpokenLine]
    service: RunningService

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, *, token: str | None = None,
             host: str | None = None) -> tuple[int, Any]:
        base = self.server.url if token is None else self.server.url.replace(self.server.token, token)
        request = urllib.request.Request(base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        if host is not None:
            request.add_unredirected_header("Host", host)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _decode(response.headers.get_content_type(), response.read())
        except urllib.error.HTTPError as error:
            return error.code, _decode(error.headers.get_content_type(), error.read())


def _decode(content_type: str, body: bytes) -> Any:
    return json.loads(body) if content_type == "application/json" else body


@pytest.fixture
def dock(service: RunningService, tmp_path: Path) -> Iterator[Dock]:
    reader = InProcessCardReader()
    scanner = SimCodeScanner()
    printer = SimPrinter(tmp_path / "printouts")
    spoken: list[SpokenLine] = []
    controls = DockControls(
        home=service.paths.root, station=service.station, slot=InProcessCardSlot(reader), scanner=scanner,
        service=ServiceControl.for_home(service.paths.root, service.base_url), printer=printer,
        spoken=lambda: spoken,
    )
    server = DockServer(controls)
    server.start()
    yield Dock(server, reader, scanner, printer, spoken, service)
    server.stop()
    scanner.close()
    service.set_faults(clear=True)


def _voter(dock: Dock, category: str) -> str:
    status, voters = dock.call("GET", f"api/voters?category={category}&limit=3")
    assert status == 200 and voters, category
    return str(voters[0]["iin"])


# --- the token ------------------------------------------------------------------------------------------


def test_a_wrong_or_missing_token_is_refused_and_does_nothing(dock: Dock) -> None:
    iin = _voter(dock, "listed_here")
    wrong = "x" * len(dock.server.token)
    for method, path, body in [("GET", "", None), ("GET", "api/state", None),
                               ("POST", "api/card/insert", {"iin": iin, "profile": "id-card"}),
                               ("POST", "api/service/faults", {"error": 1.0})]:
        status, answer = dock.call(method, path, body, token=wrong)
        assert status == 403
        assert answer["error"]["reason"] == "forbidden"
    assert not dock.reader.card_present()
    assert dock.service.set_faults()["error"] == 0.0
    # no token at all, and a prefix of the right one
    for url in (dock.server.url.rsplit("/", 2)[0] + "/", dock.server.url[:-3] + "/api/state"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        assert refused.value.code == 403


def test_a_foreign_host_header_is_refused(dock: Dock) -> None:
    status, answer = dock.call("GET", "api/state", host="attacker.example:80")
    assert status == 403 and answer["error"]["message"] == "wrong host"


def test_the_page_has_no_external_assets(dock: Dock) -> None:
    status, page = dock.call("GET", "")
    assert status == 200
    text = page.decode()
    assert "<script>" in text and "<style>" in text
    assert "src=" not in text and "http://" not in text and "https://example.org" in text  # the placeholder only
    assert "<link" not in text


def test_the_url_file_is_private(dock: Dock, tmp_path: Path) -> None:
    path = dock.server.write_url_file(tmp_path)
    assert path.read_text().strip() == dock.server.url
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- voters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", VOTER_CATEGORIES)
def test_voters_listed_by_category_are_of_that_category(dock: Dock, category: str) -> None:
    status, voters = dock.call("GET", f"api/voters?category={category}&limit=4")
    assert status == 200 and voters
    for voter in voters:
        assert category_of(dock.service.paths.database, voter["iin"]) == category
        assert voter["category"] == category and voter["surname"]
        status, same = dock.call("GET", f"api/voter?iin={voter['iin']}")
        assert status == 200 and same == voter


def test_unknown_category_and_invalid_iin_are_refused(dock: Dock) -> None:
    assert dock.call("GET", "api/voters?category=everyone")[0] == 400
    status, answer = dock.call("GET", "api/voter?iin=123456789012")
    assert status == 400 and answer["error"]["reason"] == "invalid_iin"
    assert dock.call("GET", "api/voters?category=listed_here&limit=many")[0] == 400


def test_a_typed_iin_nobody_has_is_reported_as_not_in_the_registry(dock: Dock) -> None:
    status, voter = dock.call("GET", "api/voter?iin=900101300007")
    assert status == 200 and voter["in_registry"] is False and voter["category"] is None


# --- cards ----------------------------------------------------------------------------------------------


def test_an_inserted_id_card_reads_as_the_chosen_voter_then_is_removed(dock: Dock) -> None:
    iin = _voter(dock, "listed_here")
    status, card = dock.call("POST", "api/card/insert", {"iin": iin, "profile": "id-card"})
    assert status == 200 and card["present"] and card["card"]["iin"] == iin
    with dock.reader.wait_for_card(1.0) as channel:
        identity = identify_card(channel, dock.service.config.document_trust(), today=dt.date.today())
    assert identity.iin.value == iin
    status, card = dock.call("POST", "api/card/remove")
    assert status == 200 and not card["present"] and card["card"] is None
    assert not dock.reader.card_present()


def test_a_card_with_the_removal_fault_leaves_mid_read(dock: Dock) -> None:
    iin = _voter(dock, "listed_elsewhere")
    status, _ = dock.call("POST", "api/card/insert", {"iin": iin, "profile": "id-card", "faults": ["removed-after-2"]})
    assert status == 200
    with dock.reader.wait_for_card(1.0) as channel, pytest.raises(CardRemovedError):
        identify_card(channel, dock.service.config.document_trust(), today=dt.date.today())
    status, state = dock.call("GET", "api/state")
    assert state["card"]["present"] is False and state["card"]["card"]["pulled_out_by_fault"] is True


def test_an_emrtd_card_carries_its_mrz(dock: Dock) -> None:
    iin = _voter(dock, "not_listed")
    status, card = dock.call("POST", "api/card/insert", {"iin": iin, "profile": "emrtd-td1"})
    assert status == 200 and len(card["card"]["mrz"]) == 3
    assert iin in card["card"]["mrz"][0]  # a Kazakh ID card's IIN fills positions 16-27 of line 1


@pytest.mark.parametrize("body", [
    {"profile": "id-card", "iin": None},
    {"iin": "123", "profile": "id-card"},
    {"iin": None, "profile": "emrtd-td3", "faults": []},
    {"profile": "smartphone"},
    {"profile": "id-card", "faults": ["tampered-dg1"]},
    {"profile": "emrtd-td1", "faults": ["passport-without-iin"]},
    {"profile": "id-card", "faults": "clone"},
    {"profile": "id-card", "faults": ["removed-after-x"]},
])
def test_bad_card_requests_are_refused_and_insert_nothing(dock: Dock, body: dict[str, Any]) -> None:
    if "iin" not in body:  # a voter who exists: only the other fields are wrong
        body = {**body, "iin": _voter(dock, "listed_here")}
    status, answer = dock.call("POST", "api/card/insert", body)
    assert status == 400, answer
    assert not dock.reader.card_present()


def test_a_body_that_is_not_a_json_object_is_refused(dock: Dock) -> None:
    request = urllib.request.Request(dock.server.url + "api/card/insert", method="POST", data=b"[1, 2",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    status, _ = dock.call("POST", "api/card/insert", [1, 2])  # type: ignore[arg-type]
    assert status == 400


# --- digital documents ----------------------------------------------------------------------------------


def test_a_digital_document_qr_reaches_the_scanner_and_names_the_voter(dock: Dock) -> None:
    iin = _voter(dock, "listed_here")
    status, shown = dock.call("POST", "api/qr/digital-document", {"iin": iin, "valid_for_seconds": 60})
    assert status == 200
    payload = dock.scanner.read(5.0)
    assert payload is not None and payload == shown["qr_payload"]
    config = dock.service.config
    client = EgovClient(base_url=config.service.base_url, signer=open_device_key(config),
                        service_keys=config.service.service_keys, ca_file=str(config.service.ca_file),
                        station=config.station)
    try:
        identity = read_digital_document(payload, client, config.document_issuers, dt.datetime.now(dt.UTC))
    finally:
        client.close()
    assert identity.iin.value == iin


def test_a_qr_for_a_person_the_registry_lacks_is_refused_by_the_service(dock: Dock) -> None:
    status, answer = dock.call("POST", "api/qr/digital-document", {"iin": "900101300007"})
    assert status == 404 and answer["error"]["reason"] == "unknown_person"
    assert dock.scanner.waiting == 0


def test_any_text_can_be_shown_as_a_qr_code(dock: Dock) -> None:
    status, _ = dock.call("POST", "api/qr/text", {"text": "https://example.org/not-a-document"})
    assert status == 200
    assert dock.scanner.read(5.0) == "https://example.org/not-a-document"
    assert dock.call("POST", "api/qr/text", {"text": ""})[0] == 400
    assert dock.call("POST", "api/qr/text", {"text": "x" * 5000})[0] == 400


# --- service faults -------------------------------------------------------------------------------------


def test_service_faults_are_switched_on_and_off(dock: Dock) -> None:
    status, faults = dock.call("POST", "api/service/faults", {"error": 1.0, "latency_ms": 250})
    assert status == 200 and faults["error"] == 1.0 and faults["latency_ms"] == 250
    assert dock.service.set_faults()["error"] == 1.0  # the service itself says so
    status, faults = dock.call("GET", "api/service/faults")
    assert faults["latency_ms"] == 250
    status, faults = dock.call("POST", "api/service/faults", {"clear": True, "replay": 0.5})
    assert faults == {**faults, "error": 0.0, "latency_ms": 0, "replay": 0.5}
    status, answer = dock.call("POST", "api/service/faults", {"meteor": 1})
    assert status == 400 and "meteor" in answer["error"]["message"]
    assert dock.call("POST", "api/service/faults", {"error": 2})[0] == 400


# --- printer and speech ---------------------------------------------------------------------------------


def test_printed_jobs_are_listed_with_their_files(dock: Dock) -> None:
    dock.printer.print(Printout("receipt", "en", (Title("Receipt"), Paragraph("Station 7"))))
    status, state = dock.call("GET", "api/state")
    (job,) = state["printer"]["jobs"]
    assert job["kind"] == "receipt" and state["printer"]["status"] == "ready"
    status, pdf = dock.call("GET", job["pdf"])
    assert status == 200 and pdf.startswith(b"%PDF")
    status, png = dock.call("GET", job["png"])
    assert status == 200 and png.startswith(b"\x89PNG")
    assert dock.call("GET", "printer/jobs/sim-99.pdf")[0] == 404
    assert dock.call("GET", f"printer/jobs/{job['job_id']}.txt")[0] == 404
    assert dock.call("GET", "printer/jobs/..%2F..%2Fcontrol-token.pdf")[0] == 404


def test_the_printer_goes_offline_and_runs_out_of_paper(dock: Dock) -> None:
    status, printer = dock.call("POST", "api/printer", {"online": False})
    assert status == 200 and printer["status"] == "offline" and dock.printer.status() == "offline"
    status, printer = dock.call("POST", "api/printer", {"online": True, "paper": "out"})
    assert printer["status"] == "paper_out" and dock.printer.status() == "paper_out"
    status, printer = dock.call("POST", "api/printer", {"paper": "load"})
    assert printer["status"] == "ready"
    assert dock.call("POST", "api/printer", {"paper": "lots"})[0] == 400
    assert dock.call("POST", "api/printer", {"online": "yes"})[0] == 400


def test_what_was_spoken_is_shown_newest_first(dock: Dock) -> None:
    dock.spoken.extend([SpokenLine("kk", "Сәлеметсіз бе"), SpokenLine("en", "Insert your ID card")])
    status, state = dock.call("GET", "api/state")
    assert status == 200
    assert state["spoken"] == [{"language": "en", "text": "Insert your ID card"},
                               {"language": "kk", "text": "Сәлеметсіз бе"}]
