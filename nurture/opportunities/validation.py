"""Validating opportunity input from the API or an admin form: clean values, or one message per field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from nurture.errors import ValidationError
from nurture.leads.text import clean_text
from nurture.opportunities.currencies import validate_currency

REQUIRED = "Required field missing"
MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)
CREATE_FIELDS = frozenset({"name", "amount", "currency", "close_date", "stage", "owner_user_id", "company_id",
                           "contact_lead_id", "previous_opportunity_id"})  # fmt: skip
CHANGE_FIELDS = frozenset({"name", "amount", "currency", "close_date", "stage", "owner_user_id", "lost_reason"})
REQUIRED_ON_CREATE = ("name", "amount", "currency", "close_date")


def parse_amount(value: object) -> tuple[Decimal | None, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, "Must be a number"
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, float) else Decimal(repr(value))
    except InvalidOperation:
        return None, "Must be a number, e.g. 12500.00"
    if not amount.is_finite() or amount < 0:
        return None, "Must be zero or more"
    if amount > MAX_AMOUNT:
        return None, f"Too large (at most {MAX_AMOUNT})"
    if amount != amount.quantize(Decimal("0.01")):
        return None, "At most two decimal places"
    return amount.quantize(Decimal("0.01")), None


def parse_date(value: object) -> tuple[date | None, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, REQUIRED if value in (None, "") else "Must be a date (YYYY-MM-DD)"
    try:
        return date.fromisoformat(value.strip()), None
    except ValueError:
        return None, "Must be a date (YYYY-MM-DD)"


def parse_id(value: object) -> tuple[int | None, str | None]:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        return None, "Must be an id (a whole number)"
    return value, None


def _text(max_length: int) -> Any:
    return lambda value: clean_text(value, max_length)


PARSERS = {
    "name": _text(200),
    "amount": parse_amount,
    "currency": validate_currency,
    "close_date": parse_date,
    "stage": _text(40),
    "lost_reason": _text(500),
    "owner_user_id": parse_id,
    "company_id": parse_id,
    "contact_lead_id": parse_id,
    "previous_opportunity_id": parse_id,
}


def validate_opportunity_input(data: Mapping[str, Any], *, creating: bool, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """Values that were given (blank optional ones are left out); unknown fields and missing required ones are errors."""
    allowed = allowed if allowed is not None else (CREATE_FIELDS if creating else CHANGE_FIELDS)
    errors: dict[str, str] = {str(k)[:64]: "Unknown field" for k in data if k not in allowed}
    values: dict[str, Any] = {}
    for name in sorted(allowed & set(data)):
        raw = data[name]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if name in REQUIRED_ON_CREATE or name == "stage":
                errors[name] = REQUIRED if creating or name != "stage" else "Must not be empty"
            elif not creating:
                values[name] = None  # clearing an optional field (owner, lost reason)
            continue
        value, error = PARSERS[name](raw)
        if error:
            errors[name] = error
        else:
            values[name] = value
    if creating:
        for name in REQUIRED_ON_CREATE:
            if name in allowed and name not in data:
                errors[name] = REQUIRED
    if errors:
        raise ValidationError(errors)
    return values
