"""Which Screen class shows which commission screen (one per ``CommissionScreenName``)."""

from __future__ import annotations

from kiosk.runtime.commission import COMMISSION_SCREENS, CommissionScreenName
from kiosk.ui.commission.screens.base import CommissionScreen
from kiosk.ui.commission.screens.check_result import CommissionCheckResultScreen
from kiosk.ui.commission.screens.confirmation import CommissionConfirmationScreen
from kiosk.ui.commission.screens.decision import CommissionDecisionScreen
from kiosk.ui.commission.screens.home import CommissionHomeScreen
from kiosk.ui.commission.screens.identify import CommissionIdentifyScreen
from kiosk.ui.commission.screens.locked import CommissionLockedScreen
from kiosk.ui.commission.screens.lockout import CommissionLockoutScreen
from kiosk.ui.commission.screens.pin import CommissionPinScreen
from kiosk.ui.commission.screens.result import CommissionResultScreen
from kiosk.ui.commission.screens.summary import CommissionSummaryScreen

SCREEN_CLASSES: dict[CommissionScreenName, type[CommissionScreen]] = {
    "locked": CommissionLockedScreen,
    "pin": CommissionPinScreen,
    "lockout": CommissionLockoutScreen,
    "home": CommissionHomeScreen,
    "identify": CommissionIdentifyScreen,
    "check_result": CommissionCheckResultScreen,
    "decision": CommissionDecisionScreen,
    "confirmation": CommissionConfirmationScreen,
    "result": CommissionResultScreen,
    "summary": CommissionSummaryScreen,
}
assert tuple(SCREEN_CLASSES) == COMMISSION_SCREENS, "every commission screen needs its Screen class"
