"""The planner, exhaustively: delays, business days, holidays, windows, timezones, DST."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from campaigns.planner import Calendar, Delay, DelayUnit, SendWindow, add_delay, next_opening, plan

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
TUE_THU_9_11 = SendWindow(days=frozenset({2, 3, 4}), start=time(9), end=time(11))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_hours_and_minutes_are_absolute():
    start = utc(2026, 3, 7, 12)
    assert add_delay(start, Delay(5, DelayUnit.HOURS), Calendar(NY)) == utc(2026, 3, 7, 17)
    assert add_delay(start, Delay(90, DelayUnit.MINUTES), Calendar()) == utc(2026, 3, 7, 13, 30)


def test_days_keep_the_local_wall_clock_across_dst():
    # 2026-03-08 is the US spring-forward day: 09:00 local stays 09:00 local.
    start = local(NY, 2026, 3, 7, 9).astimezone(UTC)
    after = add_delay(start, Delay(1, DelayUnit.DAYS), Calendar(NY))
    assert after.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 8, 9)
    assert after - start == timedelta(hours=23)


def test_business_days_skip_weekends():
    friday = local(BERLIN, 2026, 11, 20, 10)
    assert add_delay(friday, Delay(2, DelayUnit.BUSINESS_DAYS), Calendar(BERLIN)).astimezone(BERLIN).date() == date(2026, 11, 24)
    assert add_delay(friday, Delay(0, DelayUnit.BUSINESS_DAYS), Calendar(BERLIN)) == friday


def test_business_days_skip_holidays():
    # Thanksgiving 2026 is Thursday 26 November in the US.
    cal = Calendar(NY, is_holiday=lambda d: d == date(2026, 11, 26))
    wednesday = local(NY, 2026, 11, 25, 10)
    assert add_delay(wednesday, Delay(1, DelayUnit.BUSINESS_DAYS), cal).astimezone(NY).date() == date(2026, 11, 27)


def test_inside_the_window_runs_now():
    tuesday_10 = local(NY, 2026, 11, 24, 10)
    assert next_opening(tuesday_10, TUE_THU_9_11, Calendar(NY)) == tuesday_10


def test_before_the_window_waits_for_its_start_the_same_day():
    tuesday_7 = local(NY, 2026, 11, 24, 7)
    assert next_opening(tuesday_7, TUE_THU_9_11, Calendar(NY)) == local(NY, 2026, 11, 24, 9)


def test_after_the_window_moves_to_the_next_open_day():
    thursday_noon = local(NY, 2026, 11, 19, 12)
    assert next_opening(thursday_noon, TUE_THU_9_11, Calendar(NY)) == local(NY, 2026, 11, 24, 9)


def test_the_window_end_is_exclusive():
    tuesday_11 = local(NY, 2026, 11, 24, 11)
    assert next_opening(tuesday_11, TUE_THU_9_11, Calendar(NY)) == local(NY, 2026, 11, 25, 9)


def test_a_holiday_inside_the_window_is_skipped():
    cal = Calendar(NY, is_holiday=lambda d: d == date(2026, 11, 26))
    wednesday_noon = local(NY, 2026, 11, 25, 12)
    assert next_opening(wednesday_noon, TUE_THU_9_11, cal) == local(NY, 2026, 12, 1, 9)


def test_the_same_utc_moment_opens_differently_per_timezone():
    moment = utc(2026, 11, 24, 1)  # Tue 10:00 in Tokyo, Mon 20:00 in New York, Tue 02:00 in Berlin
    assert next_opening(moment, TUE_THU_9_11, Calendar(TOKYO)) == moment
    assert next_opening(moment, TUE_THU_9_11, Calendar(NY)) == local(NY, 2026, 11, 24, 9)
    assert next_opening(moment, TUE_THU_9_11, Calendar(BERLIN)) == local(BERLIN, 2026, 11, 24, 9)


def test_plan_shifts_later_steps_never_catching_up():
    cal = Calendar(NY)
    # First email lands Thursday 12:00, after the window: it moves to Tuesday 09:00...
    first = plan(local(NY, 2026, 11, 19, 12), None, TUE_THU_9_11, cal)
    assert first == local(NY, 2026, 11, 24, 9)
    # ...and the next step, 2 business days later, follows from there (Thursday 09:00), not from Thursday.
    second = plan(first, Delay(2, DelayUnit.BUSINESS_DAYS), TUE_THU_9_11, cal)
    assert second == local(NY, 2026, 11, 26, 9)


def test_a_window_start_in_a_dst_gap_moves_forward():
    window = SendWindow(start=time(2, 30), end=time(4))
    opened = next_opening(local(NY, 2026, 3, 8, 0, 30), window, Calendar(NY))
    assert opened.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)


def test_bad_inputs_fail_loudly():
    with pytest.raises(ValueError):
        SendWindow(days=frozenset({8}))
    with pytest.raises(ValueError):
        SendWindow(start=time(11), end=time(9))
    with pytest.raises(ValueError):
        add_delay(utc(2026, 1, 1), Delay(-1, DelayUnit.DAYS), Calendar())
    with pytest.raises(ValueError):
        next_opening(datetime(2026, 1, 1), SendWindow(), Calendar())
    always_holiday = Calendar(is_holiday=lambda d: True)
    with pytest.raises(ValueError, match="never opens"):
        next_opening(utc(2026, 1, 1), SendWindow(), always_holiday)
