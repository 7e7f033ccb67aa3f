"""The canonical JSON encoding (RFC 8785) shared by digital documents and station configurations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.canonical_json import canonical_json_bytes
from kiosk.documents.digital import SIGNING_CONTEXT as DIGITAL_CONTEXT
from kiosk.documents.digital import canonical_document_bytes
from kiosk.station_config_verify import SIGNING_CONTEXT as CONFIG_CONTEXT
from kiosk.station_config_verify import canonical_config_bytes


def test_sorted_members_no_white_space_utf8_and_integers_as_written() -> None:
    value = {"b": [1, True, None, {"z": "Қ", "a": -7}], "a": "\"\\\n", "é": 9007199254740991}
    assert canonical_json_bytes(value) == (
        b'{"a":"\\"\\\\\\n","b":[1,true,null,{"a":-7,"z":"' + "Қ".encode() + b'"}],"'
        + "é".encode() + b'":9007199254740991}'
    )


@pytest.mark.parametrize("value", [{"a": b"bytes"}, {"a": {1, 2}}, {"a": "\ud800"}])
def test_what_json_cannot_hold_is_a_value_error(value: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="canonical JSON"):
        canonical_json_bytes(value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(st.characters(max_codepoint=127), max_size=8),
                       st.one_of(st.none(), st.text(max_size=20)),
                       max_size=6))
def test_each_signed_kind_is_its_context_then_the_same_bytes(document: dict[str, str | None]) -> None:
    try:
        canonical = canonical_json_bytes(document)
    except ValueError:  # a lone surrogate: both kinds refuse it too
        with pytest.raises(ValueError):
            canonical_document_bytes(document)
        return
    assert canonical_document_bytes(document) == DIGITAL_CONTEXT + canonical
    assert canonical_config_bytes(document) == CONFIG_CONTEXT + canonical
    reordered = dict(reversed(list(document.items())))
    assert canonical_json_bytes(reordered) == canonical
