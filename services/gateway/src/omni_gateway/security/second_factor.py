"""Staff second factor: time-based one-time codes (TOTP, RFC 6238, through pyotp) from an
authenticator app.

Enrolment gives the member a secret (and its otpauth:// URI for a QR code); it is kept pending
until a code from the app proves it was stored. Secrets are sealed at rest (security/sealing.py).
A code is accepted once: the time step it belongs to must be later than the last one used, so a
code seen over a shoulder or in a log cannot be replayed (ASVS 2.8.4). One step either side is
allowed for clock drift."""

from __future__ import annotations

from typing import Any

import pyotp
from pymongo.asynchronous.collection import AsyncCollection

from omni_gateway.security.sealing import SealError, SecretBox, reseal
from omni_kit.ids import utcnow

ISSUER = "Omni"
DRIFT_STEPS = 1


class SecondFactors:
    def __init__(self, staff: AsyncCollection[dict[str, Any]], box: SecretBox) -> None:
        self.staff = staff
        self.box = box

    @staticmethod
    def enrolled(user: dict[str, Any]) -> bool:
        return "totp_sealed" in user

    async def start(self, user: dict[str, Any]) -> tuple[str, str]:
        """A new pending secret for the member; returns it and its otpauth:// URI."""
        secret = pyotp.random_base32()
        await self.staff.update_one(
            {"_id": user["_id"]}, {"$set": {"totp_pending_sealed": self.box.seal(secret)}}
        )
        uri = pyotp.TOTP(secret).provisioning_uri(name=user["username"], issuer_name=ISSUER)
        return secret, uri

    async def confirm(self, user: dict[str, Any], code: str) -> bool:
        """The pending secret becomes the member's second factor if `code` is one of its."""
        pending = user.get("totp_pending_sealed")
        if not isinstance(pending, str):
            return False
        step = self._matching_step(self._open(pending), code)
        if step is None:
            return False
        result = await self.staff.update_one(
            {"_id": user["_id"], "totp_pending_sealed": pending},
            {
                "$set": {"totp_sealed": pending, "totp_last_step": step, "totp_since": utcnow()},
                "$unset": {"totp_pending_sealed": ""},
            },
        )
        return result.modified_count == 1

    async def verify(self, user: dict[str, Any], code: str) -> bool:
        """True once for a current code of the member's second factor."""
        sealed = user.get("totp_sealed")
        if not isinstance(sealed, str):
            return False
        step = self._matching_step(self._open(sealed), code)
        if step is None:
            return False
        used = await self.staff.update_one(  # later than any step used before, atomically
            {"_id": user["_id"], "totp_last_step": {"$lt": step}},
            {"$set": {"totp_last_step": step}},
        )
        return used.modified_count == 1

    async def remove(self, user_id: str) -> None:
        await self.staff.update_one(
            {"_id": user_id},
            {"$unset": {"totp_sealed": "", "totp_pending_sealed": "", "totp_last_step": ""}},
        )

    async def reseal(self) -> int:
        """Secrets sealed under the previous key, resealed under the current one (at start)."""
        return sum(
            [
                await reseal(self.staff, field, self.box, {})
                for field in ("totp_sealed", "totp_pending_sealed")
            ]
        )

    def _open(self, sealed: str) -> pyotp.TOTP:
        try:
            return pyotp.TOTP(self.box.open(sealed))
        except SealError:
            return pyotp.TOTP(pyotp.random_base32())  # unreadable: matches nothing

    @staticmethod
    def _matching_step(totp: pyotp.TOTP, code: str) -> int | None:
        if not (len(code) == totp.digits and code.isdigit()):
            return None
        now = totp.timecode(utcnow())
        for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
            if pyotp.utils.strings_equal(totp.generate_otp(step), code):
                return step
        return None
