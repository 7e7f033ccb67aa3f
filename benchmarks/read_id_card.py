"""National ID card (PKI profile) benchmark: card present -> verified Identity, APDUs against the minimum.

Run as root from the repository root (starts pcscd if none is running, stops only the one it started):

    .venv/bin/python benchmarks/read_id_card.py [--reads 30] [--in-process-reads 300] [--slot 0]

For each card variant (extended length offered, or short READ BINARY only) it prints the median milliseconds
from the moment PC/SC reports the card present, through SCardConnect, SELECT, READ BINARY, chain verification
and INTERNAL AUTHENTICATE, to a verified ``Identity``; the same read on the in-process channel; the APDUs the
reader sent against the minimum the file sizes allow; and the ratio to the 30 ms budget (issue 3). Separately,
the median time PC/SC takes to report an inserted card (vpcd connection up -> reader state PRESENT); the card
arrives at a random moment, as a voter's would, because pcscd polls the vpcd reader on a fixed period.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from smartcard import scard

from drivers.card.pcsc import PcscCardReader
from kiosk.documents.id_card import IdCardReading, read_id_card_measured
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from simulator.cards.id_card import SimIdCard
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.national_pki import IssuedCredential, Person, SimNationalPki
from simulator.cards.vpcd import VPCD_PORT, VpcdCardClient

BUDGET_MS = 30.0
PCSCD_POLL_PERIOD_SECONDS = 0.4  # pcscd's presence polling for readers without card events
WAIT_SECONDS = 5.0
HOLDER = Person(iin="900101301233", surname="Сейтқалиев", given_name="Әлихан", patronymic="Бауыржанұлы")

CardFactory = Callable[[], SimIdCard]


def wait_until_present(reader_name: str, timeout: float) -> None:
    """Block until PC/SC reports a card (with an ATR) in ``reader_name``."""
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        raise SystemExit("pcscd is not answering")
    try:
        known = scard.SCARD_STATE_UNAWARE
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            milliseconds = max(1, int((deadline - time.monotonic()) * 1000))
            result, states = scard.SCardGetStatusChange(context, milliseconds, [(reader_name, known)])
            if result != scard.SCARD_S_SUCCESS:
                continue
            state = states[0][1]
            if state & scard.SCARD_STATE_PRESENT and not state & scard.SCARD_STATE_MUTE:
                return
            known = state & ~scard.SCARD_STATE_CHANGED
        raise SystemExit(f"no card appeared in {reader_name!r} within {timeout} s")
    finally:
        scard.SCardReleaseContext(context)


def in_process_reads(make_card: CardFactory, pki: SimNationalPki, count: int) -> tuple[list[float], IdCardReading]:
    """Milliseconds from a card in the in-process slot to a verified identity."""
    timings = []
    reading: IdCardReading | None = None
    for _ in range(count):
        reader = InProcessCardReader()
        reader.insert(make_card())
        start = time.perf_counter()
        with reader.wait_for_card(WAIT_SECONDS) as channel:
            reading = read_id_card_measured(
                channel, SIMULATOR_PROFILE, pki.trusted_roots, pki.intermediates, dt.date.today()
            )
        timings.append((time.perf_counter() - start) * 1000)
    assert reading is not None
    return timings, reading


def pcsc_reads(
    make_card: CardFactory, pki: SimNationalPki, count: int, slot: int
) -> tuple[list[float], list[float], IdCardReading, int]:
    """Per insertion: ms for PC/SC to report the card, and ms from then to a verified identity."""
    prefix = f"Virtual PCD 00 {slot:02d}"
    read_timings: list[float] = []
    presence_timings: list[float] = []
    reading: IdCardReading | None = None
    wire_apdus = 0
    with PcscCardReader(prefix) as reader, VpcdCardClient(port=VPCD_PORT + slot) as client:
        if not reader.wait_for_removal(WAIT_SECONDS):
            raise SystemExit(f"a card is already in {prefix!r} (another process is using it)")
        for _ in range(count):
            time.sleep(random.uniform(0, PCSCD_POLL_PERIOD_SECONDS))  # timing jitter, not cryptography
            baseline = client.apdu_count
            client.insert(make_card())
            if not client.wait_until_connected(WAIT_SECONDS):
                raise SystemExit("vpcd did not accept the card")
            inserted = time.perf_counter()
            wait_until_present(reader.name, WAIT_SECONDS)
            present = time.perf_counter()
            with reader.connect() as channel:
                reading = read_id_card_measured(
                    channel, SIMULATOR_PROFILE, pki.trusted_roots, pki.intermediates, dt.date.today()
                )
            done = time.perf_counter()
            presence_timings.append((present - inserted) * 1000)
            read_timings.append((done - present) * 1000)
            wire_apdus = client.apdu_count - baseline
            client.remove()
            reader.wait_for_removal(WAIT_SECONDS)
    assert reading is not None
    return read_timings, presence_timings, reading, wire_apdus


def describe(label: str, timings: list[float]) -> str:
    median = statistics.median(timings)
    return (
        f"  {label:<32} median {median:7.2f} ms  (min {min(timings):.2f}, max {max(timings):.2f}, n={len(timings)})"
        f"  budget {BUDGET_MS:.0f} ms: ratio {median / BUDGET_MS:.2f}"
    )


def main() -> None:
    """Run the measurements and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=30, help="card insertions and reads over pcscd + vpcd")
    parser.add_argument("--in-process-reads", type=int, default=300, help="reads on the in-process channel")
    parser.add_argument("--slot", type=int, choices=(0, 1), default=0, help="vpcd slot: Virtual PCD 00 0<slot>")
    arguments = parser.parse_args()

    from simulator.dock.processes import start_or_reuse_pcscd  # noqa: PLC0415  (the tests start pcscd so too)

    pki = SimNationalPki.create()
    credential: IssuedCredential = pki.issue_authentication_certificate(HOLDER)
    variants: dict[str, CardFactory] = {
        "extended length": lambda: SimIdCard.issue(credential),
        "short reads only": lambda: SimIdCard.issue(credential, extended_length=False),
    }
    print(f"profile {SIMULATOR_PROFILE.name}, certificate {len(credential.certificate_der)} bytes (P-256)")
    presence_all: list[float] = []
    with tempfile.TemporaryDirectory() as log_directory:
        service = start_or_reuse_pcscd(Path(log_directory))
        try:
            for variant, make_card in variants.items():
                local, local_reading = in_process_reads(make_card, pki, arguments.in_process_reads)
                over_pcsc, presence, reading, wire_apdus = pcsc_reads(make_card, pki, arguments.reads, arguments.slot)
                presence_all += presence
                print(f"{variant}:")
                print(describe("pcscd + vpcd, present->Identity", over_pcsc))
                print(describe("in-process, present->Identity", local))
                print(
                    f"  APDUs: {reading.apdus_used} used (pcscd; {wire_apdus} reached the card), "
                    f"{local_reading.apdus_used} in-process; minimum {reading.minimum_apdus}; "
                    f"over the minimum: {reading.apdus_used - reading.minimum_apdus}"
                )
        finally:
            service.stop()
    print(
        f"PC/SC reports an inserted card: median {statistics.median(presence_all):.1f} ms "
        f"(min {min(presence_all):.1f}, max {max(presence_all):.1f}, {len(presence_all)} insertions)"
    )


if __name__ == "__main__":
    main()
