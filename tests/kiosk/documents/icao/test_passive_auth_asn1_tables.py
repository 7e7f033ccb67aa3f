"""Reading a SOD first must not stop the commission's PDF signatures later in the same process.

asn1crypto fixes its table of CMS attribute names the first time one is built; pyhanko signs with
``signing_certificate_v2``, a name ``asn1crypto.tsp`` adds on import. A fresh interpreter is needed: in this
one the order of earlier tests decides what was imported first.
"""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
from asn1crypto import cms
import kiosk.documents.icao.passive_auth
cms.CMSAttributeType("content_type")  # what parsing a SOD's signed attributes does
import kiosk.commission_documents
print(cms.CMSAttributeType("signing_certificate_v2").dotted)
"""


def test_signing_certificate_v2_is_known_after_a_cms_attribute_was_built() -> None:
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1.2.840.113549.1.9.16.2.47"
