"""When service agents are at work: weekly hours, Hesse public holidays and extra closed days."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["DEFAULT_WEEKLY", "BusinessHours", "parse_weekly"]

DEFAULT_WEEKLY: Mapping[int, tuple[time, time]] = MappingProxyType(
    {
        **{weekday: (time(7, 0), time(18, 0)) for weekday in range(5)},
        5: (time(8, 0), time(12, 0)),
    }
)

_COUNTRY = "DE"
# Covers a long company closure around Christmas without looping forever on all-closed weeks.
_SEARCH_DAYS = 31
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ENTRY = re.compile(
    r"(?P<first>[a-z]+)(?:\s*-\s*(?P<last>[a-z]+))?"
    r"\s+(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})"
)


@lru_cache(maxsize=64)
def _public_holidays(region: str, year: int) -> frozenset[date]:
    """Return the public holidays of a German subdivision in one year."""
    if not region:
        return frozenset()
    return frozenset(holidays.country_holidays(_COUNTRY, subdiv=region, years=year).keys())


def _default_weekly() -> Mapping[int, tuple[time, time]]:
    """Return the default weekly hours (factory, so the dataclass default is not shared state)."""
    return DEFAULT_WEEKLY


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours of the human service desk in one timezone."""

    timezone: str = "Europe/Berlin"
    weekly: Mapping[int, tuple[time, time]] = field(default_factory=_default_weekly)
    region: str = "HE"
    extra_closed_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        """Validate the configuration and freeze the weekly mapping."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        if self.region:
            try:
                holidays.country_holidays(_COUNTRY, subdiv=self.region)
            except NotImplementedError as exc:
                raise ValueError(f"unknown German subdivision {self.region!r}") from exc
        for weekday, (opens, closes) in self.weekly.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
            if opens.tzinfo is not None or closes.tzinfo is not None:
                raise ValueError("opening times must be naive (local to the business timezone)")
            if not opens < closes:
                raise ValueError(
                    f"weekday {weekday}: opening {opens} is not before closing {closes}"
                )
        # A caller's dict must not change the hours of a frozen object behind its back.
        object.__setattr__(self, "weekly", MappingProxyType(dict(self.weekly)))

    @property
    def _zone(self) -> ZoneInfo:
        """Return the business timezone (ZoneInfo caches instances by key)."""
        return ZoneInfo(self.timezone)

    def is_closed_day(self, day: date) -> bool:
        """Return True if nobody works on this local date (no hours, public holiday, extra)."""
        return (
            day.weekday() not in self.weekly
            or day in self.extra_closed_days
            or day in _public_holidays(self.region, day.year)
        )

    def is_open(self, moment: datetime) -> bool:
        """Return True if agents are at work at this aware moment."""
        local = _to_zone(moment, self._zone)
        if self.is_closed_day(local.date()):
            return False
        opens, closes = self.weekly[local.weekday()]
        return opens <= local.time() < closes

    def next_opening(self, moment: datetime) -> datetime:
        """Return the moment itself if open, else the next opening time in the business tz."""
        zone = self._zone
        local = _to_zone(moment, zone)
        if self.is_open(local):
            return local
        for offset in range(_SEARCH_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            if self.is_closed_day(day):
                continue
            # Round-trip through UTC so an opening inside a DST gap lands on a real instant.
            opening = datetime.combine(day, self.weekly[day.weekday()][0], tzinfo=zone)
            opening = opening.astimezone(UTC).astimezone(zone)
            if opening.astimezone(UTC) > local.astimezone(UTC):
                return opening
        raise ValueError(f"no opening within {_SEARCH_DAYS} days after {local.isoformat()}")


def _to_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """Convert an aware datetime to the zone; naive ones are ambiguous and rejected."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"moment must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(zone)


def _parse_day(name: str, entry: str) -> int:
    """Return the weekday number (0=Monday) for an English three-letter day name."""
    try:
        return _DAY_NAMES.index(name)
    except ValueError:
        raise ValueError(
            f"unknown day {name!r} in {entry!r}; use one of {', '.join(_DAY_NAMES)}"
        ) from None


def _parse_time(text: str, entry: str) -> time:
    """Return the time for HH:MM (00:00 to 23:59)."""
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid time {text!r} in {entry!r}; use HH:MM from 00:00 to 23:59")
    return time(hours, minutes)


def parse_weekly(spec: str) -> dict[int, tuple[time, time]]:
    """Parse e.g. "mon-fri 07:00-18:00; sat 08:00-12:00" into weekday -> (open, close)."""
    weekly: dict[int, tuple[time, time]] = {}
    entries = [entry.strip() for entry in spec.lower().split(";")]
    for entry in entries:
        if not entry:
            continue
        match = _ENTRY.fullmatch(entry)
        if match is None:
            raise ValueError(
                f"cannot parse {entry!r}; expected e.g. 'mon-fri 07:00-18:00' or 'sat 08:00-12:00'"
            )
        first = _parse_day(match["first"], entry)
        last = first if match["last"] is None else _parse_day(match["last"], entry)
        if last < first:
            raise ValueError(f"day range in {entry!r} runs backwards; write it from mon to sun")
        opens = _parse_time(match["open"], entry)
        closes = _parse_time(match["close"], entry)
        if not opens < closes:
            raise ValueError(
                f"opening {opens:%H:%M} is not before closing {closes:%H:%M} in {entry!r}"
            )
        for weekday in range(first, last + 1):
            if weekday in weekly:
                raise ValueError(f"{_DAY_NAMES[weekday]} is given more than once in {spec!r}")
            weekly[weekday] = (opens, closes)
    if not weekly:
        raise ValueError(f"no opening hours in {spec!r}; expected e.g. 'mon-fri 07:00-18:00'")
    return weekly
