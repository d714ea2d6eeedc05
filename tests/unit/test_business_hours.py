"""Business hours: weekly hours, Hesse holidays, extra closed days and the next opening."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from crm_bridge.business_hours import BusinessHours, parse_weekly

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return an aware Berlin wall-clock moment."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_weekday_opens_at_seven_and_closes_at_eighteen() -> None:
    hours = BusinessHours()
    # Wednesday 2026-07-01
    assert not hours.is_open(berlin(2026, 7, 1, 6, 59))
    assert hours.is_open(berlin(2026, 7, 1, 7, 0))
    assert hours.is_open(berlin(2026, 7, 1, 12, 0))
    assert hours.is_open(berlin(2026, 7, 1, 17, 59))
    assert not hours.is_open(berlin(2026, 7, 1, 18, 0))
    assert not hours.is_open(berlin(2026, 7, 1, 23, 0))


def test_saturday_is_open_from_eight_to_noon() -> None:
    hours = BusinessHours()
    # Saturday 2026-07-04
    assert not hours.is_open(berlin(2026, 7, 4, 7, 30))
    assert hours.is_open(berlin(2026, 7, 4, 8, 0))
    assert hours.is_open(berlin(2026, 7, 4, 11, 59))
    assert not hours.is_open(berlin(2026, 7, 4, 12, 0))


def test_sunday_is_closed_all_day() -> None:
    hours = BusinessHours()
    assert hours.is_closed_day(date(2026, 7, 5))
    assert not hours.is_open(berlin(2026, 7, 5, 10, 0))


def test_hesse_public_holidays_are_closed() -> None:
    hours = BusinessHours()
    # Corpus Christi is a public holiday in Hesse (a Thursday in 2026).
    assert hours.is_closed_day(date(2026, 6, 4))
    assert not hours.is_open(berlin(2026, 6, 4, 10, 0))
    assert hours.is_closed_day(date(2026, 12, 25))
    assert hours.is_closed_day(date(2026, 12, 26))
    # Reformation Day is a holiday in other states but not in Hesse (a Saturday in 2026).
    assert not hours.is_closed_day(date(2026, 10, 31))
    assert hours.is_open(berlin(2026, 10, 31, 9, 0))


def test_region_selects_the_state_and_empty_region_has_no_public_holidays() -> None:
    # Reformation Day is a public holiday in Saxony.
    assert BusinessHours(region="SN").is_closed_day(date(2026, 10, 31))
    assert not BusinessHours(region="").is_closed_day(date(2026, 6, 4))
    assert BusinessHours(region="").is_open(berlin(2026, 12, 25, 10, 0))


def test_extra_closed_day_is_closed_and_others_are_not() -> None:
    hours = BusinessHours(extra_closed_days=frozenset({date(2026, 12, 24), date(2026, 12, 31)}))
    assert hours.is_closed_day(date(2026, 12, 24))
    assert not hours.is_open(berlin(2026, 12, 24, 10, 0))
    assert not hours.is_open(berlin(2026, 12, 31, 10, 0))
    assert BusinessHours().is_open(berlin(2026, 12, 24, 10, 0))
    assert hours.is_open(berlin(2026, 12, 23, 10, 0))


def test_next_opening_from_friday_evening_is_saturday_eight() -> None:
    opening = BusinessHours().next_opening(berlin(2026, 7, 3, 18, 30))
    assert opening == berlin(2026, 7, 4, 8, 0)
    assert opening.tzinfo == BERLIN


def test_next_opening_from_saturday_noon_is_monday_seven() -> None:
    assert BusinessHours().next_opening(berlin(2026, 7, 4, 12, 0)) == berlin(2026, 7, 6, 7, 0)


def test_next_opening_before_opening_is_the_same_day() -> None:
    assert BusinessHours().next_opening(berlin(2026, 7, 1, 5, 0)) == berlin(2026, 7, 1, 7, 0)


def test_next_opening_skips_christmas_holidays_and_sunday() -> None:
    # Thu 24 Dec 19:00; 25 and 26 are holidays, 27 is a Sunday.
    opening = BusinessHours().next_opening(berlin(2026, 12, 24, 19, 0))
    assert opening == berlin(2026, 12, 28, 7, 0)


def test_next_opening_skips_extra_closed_days() -> None:
    hours = BusinessHours(extra_closed_days=frozenset({date(2026, 12, 31)}))
    # Wed 30 Dec after closing; 31 extra-closed, 1 Jan holiday, then Sat 2 Jan.
    assert hours.next_opening(berlin(2026, 12, 30, 18, 0)) == berlin(2027, 1, 2, 8, 0)


def test_next_opening_when_open_returns_the_moment_in_business_timezone() -> None:
    moment = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    opening = BusinessHours().next_opening(moment)
    assert opening == moment
    assert opening.tzinfo == BERLIN
    assert opening.hour == 10


def test_utc_moment_is_converted_to_berlin_time() -> None:
    hours = BusinessHours()
    # 05:30 UTC is 07:30 CEST: open, although 05:30 would be closed in Berlin.
    assert hours.is_open(datetime(2026, 7, 1, 5, 30, tzinfo=UTC))
    # 16:30 UTC is 18:30 CEST: closed, although 16:30 would be open in Berlin.
    assert not hours.is_open(datetime(2026, 7, 1, 16, 30, tzinfo=UTC))
    # Winter: 06:30 UTC is 07:30 CET.
    assert hours.is_open(datetime(2026, 1, 7, 6, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 1, 7, 5, 30, tzinfo=UTC))


def test_next_opening_raises_when_every_day_is_closed() -> None:
    hours = BusinessHours(weekly={})
    with pytest.raises(ValueError, match="no opening within"):
        hours.next_opening(berlin(2026, 7, 1, 10, 0))


def test_naive_moment_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        BusinessHours().is_open(datetime(2026, 7, 1, 10, 0))


def test_invalid_configuration_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone"):
        BusinessHours(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="subdivision"):
        BusinessHours(region="XX")
    with pytest.raises(ValueError, match="weekday"):
        BusinessHours(weekly={7: (time(8), time(9))})
    with pytest.raises(ValueError, match="not before"):
        BusinessHours(weekly={0: (time(18), time(7))})


def test_weekly_hours_cannot_be_changed_through_the_callers_dict() -> None:
    weekly = {0: (time(7), time(18))}
    hours = BusinessHours(weekly=weekly)
    weekly[6] = (time(7), time(18))
    assert not hours.is_open(berlin(2026, 7, 5, 10, 0))


def test_custom_weekly_hours_are_used() -> None:
    hours = BusinessHours(weekly=parse_weekly("sun 10:00-14:00"))
    assert hours.is_open(berlin(2026, 7, 5, 10, 0))
    assert not hours.is_open(berlin(2026, 7, 1, 10, 0))


def test_parse_weekly_reads_ranges_and_single_days() -> None:
    weekday = (time(7, 0), time(18, 0))
    saturday = (time(8, 0), time(12, 0))
    assert parse_weekly("mon-fri 07:00-18:00; sat 08:00-12:00") == {
        0: weekday,
        1: weekday,
        2: weekday,
        3: weekday,
        4: weekday,
        5: saturday,
    }


def test_parse_weekly_is_case_insensitive_and_tolerates_spacing() -> None:
    assert parse_weekly("  Mon - WED 7:30 - 16:15 ;SUN 09:00-10:00; ") == {
        0: (time(7, 30), time(16, 15)),
        1: (time(7, 30), time(16, 15)),
        2: (time(7, 30), time(16, 15)),
        6: (time(9, 0), time(10, 0)),
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "no opening hours"),
        (" ; ", "no opening hours"),
        ("monday 07:00-18:00", "unknown day 'monday'"),
        ("mon-xyz 07:00-18:00", "unknown day 'xyz'"),
        ("fri-mon 07:00-18:00", "runs backwards"),
        ("mon 07:00", "cannot parse"),
        ("mon 0700-1800", "cannot parse"),
        ("mon-fri", "cannot parse"),
        ("mon 25:00-26:00", "invalid time '25:00'"),
        ("mon 07:60-18:00", "invalid time '07:60'"),
        ("mon 18:00-07:00", "not before"),
        ("mon 09:00-09:00", "not before"),
        ("mon-fri 07:00-18:00; fri 08:00-12:00", "fri is given more than once"),
    ],
)
def test_parse_weekly_rejects_bad_input(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_weekly(spec)


def test_next_opening_inside_the_spring_dst_gap_is_a_real_instant() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; the clock jumps from 02:00 to 03:00.
    hours = BusinessHours(weekly=parse_weekly("sun 02:30-05:00"), region="")
    opening = hours.next_opening(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert opening.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert hours.is_open(opening)
