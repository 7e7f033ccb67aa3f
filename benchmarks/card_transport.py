"""Card transport benchmark: per-APDU round trip (in-process and pcscd + vpcd) and insertion latency.

Run as root from the repository root (starts pcscd if none is running, stops only the one it started):

    .venv/bin/python benchmarks/card_transport.py [--apdus 2000] [--insertions 15]

Prints medians in milliseconds. The insertion figure is the time from the virtual card connecting to vpcd
until ``PcscCardReader.wait_for_card`` returns a channel; the card arrives at a random moment, as a voter's
would, because pcscd polls the vpcd reader for presence on a fixed period.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from drivers.card.channel import CardChannel
from drivers.card.pcsc import PcscCardReader
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.virtual import Application, ElementaryFile, FileSystemCard
from simulator.cards.vpcd import VPCD_READER_PREFIX, VpcdCardClient

AID = bytes.fromhex("A0000002471001")
READ_16_BYTES = bytes.fromhex("00B0000010")
PCSCD_POLL_PERIOD_SECONDS = 0.4  # pcscd's presence polling for readers without card events


def make_card() -> FileSystemCard:
    return FileSystemCard(applications=(Application(AID, (ElementaryFile(0x0101, bytes(4096)),)),))


def apdu_round_trips(channel: CardChannel, count: int) -> list[float]:
    """Milliseconds for each of ``count`` READ BINARY round trips, after selecting the file."""
    channel.transmit(bytes.fromhex("00A4040C07") + AID)
    channel.transmit(bytes.fromhex("00A4020C020101"))
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        channel.transmit(READ_16_BYTES)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def in_process_round_trips(count: int) -> list[float]:
    reader = InProcessCardReader()
    reader.insert(make_card())
    with reader.wait_for_card(1.0) as channel:
        return apdu_round_trips(channel, count)


def pcsc_round_trips_and_insertions(count: int, insertions: int) -> tuple[list[float], list[float]]:
    with PcscCardReader(VPCD_READER_PREFIX) as reader, VpcdCardClient() as client:
        if not reader.wait_for_removal(5.0):
            raise SystemExit("a card is already in the vpcd reader (another process is using it)")
        client.insert(make_card())
        with reader.wait_for_card(5.0) as channel:
            round_trips = apdu_round_trips(channel, count)
        insertion_times = []
        for _ in range(insertions):
            client.remove()
            reader.wait_for_removal(5.0)
            time.sleep(random.uniform(0, PCSCD_POLL_PERIOD_SECONDS))  # timing jitter, not cryptography
            client.insert(make_card())
            client.wait_until_connected(5.0)
            start = time.perf_counter()
            with reader.wait_for_card(5.0):
                insertion_times.append((time.perf_counter() - start) * 1000)
        client.remove()
        reader.wait_for_removal(5.0)
        return round_trips, insertion_times


def main() -> None:
    """Run the measurements and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apdus", type=int, default=2000, help="APDU round trips per transport")
    parser.add_argument("--insertions", type=int, default=15, help="card insertions to time")
    arguments = parser.parse_args()

    from simulator.dock.processes import start_or_reuse_pcscd  # noqa: PLC0415  (the tests start pcscd so too)

    in_process = in_process_round_trips(arguments.apdus)
    with tempfile.TemporaryDirectory() as log_directory:
        service = start_or_reuse_pcscd(Path(log_directory))
        try:
            over_pcscd, insertions = pcsc_round_trips_and_insertions(arguments.apdus, arguments.insertions)
        finally:
            service.stop()

    for label, timings in (("in-process", in_process), ("pcscd + vpcd", over_pcscd)):
        print(f"APDU round trip, {label + ':':14} median {statistics.median(timings):.3f} ms ({len(timings)} APDUs)")
    print(
        f"card inserted -> channel ready:  median {statistics.median(insertions):.1f} ms "
        f"(min {min(insertions):.1f}, max {max(insertions):.1f}, {len(insertions)} insertions)"
    )


if __name__ == "__main__":
    main()
