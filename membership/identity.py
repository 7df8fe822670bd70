"""Phone and ID numbers: validated, normalised, masked, and hashed with the service's secret key
so that duplicates can be found without keeping ID numbers readable."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import phonenumbers
from stdnum import numdb
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


def mask_phone(e164: str | None) -> str | None:
    if e164 is None:  # erased
        return None
    national = e164.removeprefix("+86")
    return f"{national[:3]}****{national[-4:]}"


def id_number(text: str) -> str:
    """A resident identity card number (居民身份证): 18 characters, a real birth date, a known
    area code and the right check digit.

    The area code is where the card was first issued, which can be a district created after the
    holder was born, so it is not checked against the birth year (python-stdnum's `validate`
    does, and refuses the real cards of many older workers)."""
    number = ric.compact(text.strip().upper())
    if len(number) != 18 or not number[:-1].isdigit() or number[-1] not in "0123456789X":
        raise ValueError("not a resident ID card number: 17 digits and a final digit or X")
    if number[-1] != ric.calc_check_digit(number):
        raise ValueError("not a valid resident ID card number: the check digit is wrong (a digit "
                         "may be mistyped)")
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        raise ValueError("not a valid resident ID card number: digits 7 to 14 are not a real "
                         "birth date") from None
    if born > date.today():
        raise ValueError("not a valid resident ID card number: the birth date is in the future")
    if not any(props for _, props in numdb.get("cn/loc").info(number[:6])):
        raise ValueError("not a valid resident ID card number: the first six digits are no "
                         "known area code")
    return number


def mask_id(number: str) -> str:
    return f"{number[:1]}{'*' * (len(number) - 5)}{number[-4:]}"


def keyed_hash(secret: str, purpose: str, value: str) -> bytes:
    """HMAC-SHA256 of a value, separated by purpose so that one hash never stands for another."""
    return hmac.new(secret.encode(), f"{purpose}\0{value}".encode(), hashlib.sha256).digest()


def status_token(secret: str, application_id: int, salt: bytes, purpose: str = "status-link") -> str:
    """The secret of an application's (or, with its own `purpose`, a request's) status link;
    derived, so it is never stored."""
    return keyed_hash(secret, purpose, f"{application_id}:{salt.hex()}").hex()[:32]


def token_matches(secret: str, application_id: int, salt: bytes, given: str,
                  purpose: str = "status-link") -> bool:
    return hmac.compare_digest(status_token(secret, application_id, salt, purpose), given)
