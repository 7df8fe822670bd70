"""Phone and ID numbers: validated, normalised, masked, and hashed with the service's secret key
so that duplicates can be found without keeping ID numbers readable."""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers
from stdnum.cn import ric
from stdnum.exceptions import ValidationError


def mobile_number(text: str) -> str:
    """A mainland China mobile number in E.164 form (+86…), or ValueError saying what is wrong."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number; give a mainland China mobile number such as "
                         "13812345678") from None
    kind = phonenumbers.number_type(number)
    if number.extension or any(c.isalpha() for c in text):
        raise ValueError("a mobile number has digits only (spaces, dashes and a leading +86 are "
                         "fine); no letters or extensions")
    if (not phonenumbers.is_valid_number(number) or number.country_code != 86
            or kind not in (phonenumbers.PhoneNumberType.MOBILE,
                            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)):
        raise ValueError("not a valid mainland China mobile number (11 digits starting with 1)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    national = e164.removeprefix("+86")
    return f"{national[:3]}****{national[-4:]}"


def id_number(text: str) -> str:
    """A resident identity card number (居民身份证), checked by its date and check digit."""
    try:
        return str(ric.validate(text.strip().upper()))
    except ValidationError as exc:
        raise ValueError(f"not a valid resident ID card number: {exc}") from None


def mask_id(number: str) -> str:
    return f"{number[:1]}{'*' * (len(number) - 5)}{number[-4:]}"


def keyed_hash(secret: str, purpose: str, value: str) -> bytes:
    """HMAC-SHA256 of a value, separated by purpose so that one hash never stands for another."""
    return hmac.new(secret.encode(), f"{purpose}\0{value}".encode(), hashlib.sha256).digest()


def status_token(secret: str, application_id: int, salt: bytes) -> str:
    """The secret of an application's status link; derived, so it is never stored."""
    return keyed_hash(secret, "status-link", f"{application_id}:{salt.hex()}").hex()[:32]


def token_matches(secret: str, application_id: int, salt: bytes, given: str) -> bool:
    return hmac.compare_digest(status_token(secret, application_id, salt), given)
