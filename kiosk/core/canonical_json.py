"""The one canonical JSON encoding of the project: RFC 8785 (JCS) for the values it signs.

Digital documents (``kiosk.documents.digital``) and station configurations (``kiosk.station_config_verify``)
are signed as a domain-separation prefix of their own followed by these bytes.

For the values signed here, ``json.dumps`` with sorted keys, no white space and UTF-8 with only the escapes
JSON requires is exactly JCS (RFC 8785 section 3.2): strings, null, booleans, integers (written as JCS writes
them while they are below 2**53, which these are), arrays and objects whose member names are ASCII (sorting
ASCII names by code point is sorting them by UTF-16 code unit, section 3.2.3). Floating-point numbers are not
used: the station configuration refuses them, and digital documents hold only strings and nulls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def canonical_json_bytes(value: Mapping[str, Any]) -> bytes:
    """``value`` (a JSON object) in RFC 8785 form, as UTF-8; ValueError when it has no JSON form.

    A value JSON cannot hold (bytes, a set, a lone surrogate in a string) raises ValueError.
    """
    try:
        text = json.dumps(dict(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")
    except (TypeError, UnicodeEncodeError) as error:
        raise ValueError("the value cannot be put in canonical JSON form") from error
