"""The one reader of numbers typed by a person or carried by a link: command-line flags, query
parameters, form and table cells, the workshop's ids.

Python's ``int`` and ``float`` accept any Unicode decimal digit (``int("٣٠٠") == 300``) and spaces of
every script, and ``str.isdigit`` accepts a superscript two that ``int`` then refuses; a 20-digit id
overflows SQLite's integers. Here a number is ASCII only (``0-9``, a sign, a decimal point, an
exponent, ``_`` between digit groups), its text is bounded in length before any conversion, and a
whole number is bounded in size, so every caller gets a value or a :class:`NumberError` saying why.
"""

from __future__ import annotations

import math
import re
from typing import Any

from sim.spec.scenario import shown

#: Longest text read as a number (``1_000_000_000_000`` or ``-1.2345678901234567e-300`` fit).
MAX_NUMBER_CHARS = 40
#: The largest whole number anything here reads: SQLite's integers are signed 64-bit.
MAX_WHOLE = 2**63 - 1
_WHOLE = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:_[0-9]+)*(?:\.(?:[0-9]+(?:_[0-9]+)*)?)?|\.[0-9]+(?:_[0-9]+)*)"
                      r"(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NOT_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.ASCII | re.IGNORECASE)
_SPACE = " \t"


class NumberError(ValueError):
    """Text that is not a number of the kind asked for, or is out of range; the message says which."""


def _text(value: Any, kind: str) -> str:
    if not isinstance(value, str):
        raise NumberError(f"not {kind}: {shown(value)}")
    text = value.strip(_SPACE)
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberError(f"not {kind}: {len(text):,} characters, at most {MAX_NUMBER_CHARS}")
    return text


def read_whole(value: Any, low: int | None = None, high: int | None = None) -> int:
    """A whole number from ``value``: a Python ``int`` (never a ``bool``) or ASCII text such as
    ``"300"``, ``"-4"`` or ``"1_000_000"``, within ``low``..``high`` if given (always within
    +-:data:`MAX_WHOLE`)."""
    if isinstance(value, bool):
        raise NumberError(f"not a whole number: {shown(value)}")
    if isinstance(value, int):
        number = value
    else:
        text = _text(value, "a whole number")
        if not _WHOLE.fullmatch(text):
            raise NumberError(f"not a whole number (digits 0-9 only): {shown(value)}")
        number = int(text)
    _check_range(number, -MAX_WHOLE if low is None else low, MAX_WHOLE if high is None else high, value,
                 lambda n: f"{n:,}")
    return number


def read_number(value: Any, low: float | None = None, high: float | None = None) -> float:
    """A finite number from ``value``: a Python ``int`` or ``float`` (never a ``bool``) or ASCII text
    such as ``"0.6"``, ``"-1e-3"`` or ``".5"``, within ``low``..``high`` if given (``inf``, ``nan`` and
    ``1e400`` are read, then refused as out of range)."""
    if isinstance(value, bool):
        raise NumberError(f"not a number: {shown(value)}")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
    else:
        text = _text(value, "a number")
        if _DECIMAL.fullmatch(text) or _NOT_FINITE.fullmatch(text):
            number = float(text)
        else:
            raise NumberError(f"not a number (digits 0-9, a point, an exponent): {shown(value)}")
    if not math.isfinite(number):
        number = math.nan   # refused by every range below
    _check_range(number, -math.inf if low is None else low, math.inf if high is None else high, value,
                 lambda n: f"{n:g}", "a number ")
    return number


def _check_range(number: float, low: float, high: float, value: Any, fmt, noun: str = "") -> None:
    if not low <= number <= high:
        raise NumberError(f"must be {noun}from {fmt(low)} to {fmt(high)}, got {shown(value)}"
                          if math.isfinite(low) and math.isfinite(high) else
                          f"must be {noun}at least {fmt(low)}, got {shown(value)}" if math.isfinite(low) else
                          f"must be {noun}at most {fmt(high)}, got {shown(value)}" if math.isfinite(high) else
                          f"must be a finite number, got {shown(value)}")
