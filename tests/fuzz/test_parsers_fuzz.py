"""Short fuzzing of every parser of untrusted input (issue 7, item 7): random bytes and mutated valid inputs
raise only each parser's typed errors, return in time, and never crash. The long run is
``benchmarks/fuzz_long.py``; the targets are in ``fuzz_targets.py``."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fuzz_targets import MUTATIONS, FuzzTarget, build_targets, mutate, run_one, seed_check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import ConfigError, parse_config

EXAMPLES_PER_TARGET = 200
MAX_INPUT_BYTES = 2048
TARGETS = {target.name: target for target in build_targets()}


def inputs(target: FuzzTarget) -> st.SearchStrategy[bytes]:
    """Random bytes, or one of the target's valid inputs with a few mutations."""
    steps = st.lists(st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 1 << 16), st.integers(0, 255)),
                     min_size=1, max_size=6)
    mutated = st.builds(mutate, st.sampled_from(target.seeds), steps)
    return st.one_of(st.binary(max_size=MAX_INPUT_BYTES), mutated)


@pytest.mark.parametrize("name", list(TARGETS))
def test_valid_inputs_pass_or_fail_typed(name: str) -> None:
    assert seed_check([TARGETS[name]]) == {name: []}


@pytest.mark.parametrize("name", list(TARGETS))
def test_random_and_mutated_inputs_raise_only_typed_errors(name: str) -> None:
    target = TARGETS[name]

    @settings(max_examples=EXAMPLES_PER_TARGET, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=inputs(target))
    def fuzz(data: bytes) -> None:
        verdict = run_one(target, data)
        assert verdict.crash is None, f"{name}: {verdict.crash}"

    fuzz()


def test_the_harness_reports_an_untyped_error_and_a_hang() -> None:
    def broken(data: bytes) -> object:
        return data[10]  # IndexError: not a typed error

    def hanging(data: bytes) -> object:
        while True:
            pass

    assert run_one(FuzzTarget("broken", broken, (ValueError,), (b"",)), b"").crash == "IndexError: index out of range"
    crash = run_one(FuzzTarget("hanging", hanging, (ValueError,), (b"",)), b"").crash
    assert crash is not None and crash.startswith("Hang")


def test_a_service_key_on_an_unknown_curve_is_a_config_error(tmp_path: Path) -> None:
    """Found by the fuzzer: cryptography raises UnsupportedAlgorithm (not ValueError) for such a key."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    prime256v1, unknown_curve = bytes.fromhex("2a8648ce3d030107"), bytes.fromhex("2a8648ce3d030007")
    assert prime256v1 in der
    body = base64.encodebytes(der.replace(prime256v1, unknown_curve)).decode("ascii")
    pem = f"-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----\n"
    document = {"station": 4, "service": {"base_url": "https://127.0.0.1:1", "ca_file": "ca.pem",
                                          "service_keys": {"egov-1": pem}},
                "device_key": {"kind": "keyfile", "path": "k.pem", "passphrase_file": "k.pass"}}
    with pytest.raises(ConfigError):
        parse_config(document, relative_to=tmp_path)
