"""Opening hours with a frozen clock: every ``now`` below is a datetime built by the test."""

from __future__ import annotations

import datetime as dt

import jpholiday
import pytest

from chatbot.knowledge import Closure, Department, hours, load_knowledge
from chatbot.knowledge.hours import TOKYO, OpenStatus, format_status, format_weekly, status, weekly_summary
from tests.helpers import REPO

OFFICE = (dt.time(8, 30), dt.time(17, 15))
CITY_HALL = Department(key="shimin", name="市民課", phone="043-421-2111",
                       hours={day: (OFFICE,) for day in range(5)})


def at(text: str) -> dt.datetime:
    """Tokyo wall-clock time, as the tests read it."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def test_open_on_a_weekday_morning() -> None:
    state = status(CITY_HALL, (), dt.datetime(2026, 11, 24, 10, 0))
    assert state == OpenStatus(True, closes_at=at("2026-11-24T17:15"))


def test_weekday_evening_opens_next_morning() -> None:
    state = status(CITY_HALL, (), dt.datetime(2026, 11, 25, 20, 0))
    assert state == OpenStatus(False, next_open=at("2026-11-26T08:30"), reason="after_hours")


def test_closing_time_itself_is_closed() -> None:
    assert status(CITY_HALL, (), dt.datetime(2026, 11, 25, 17, 15)).reason == "after_hours"


def test_early_morning_opens_the_same_day() -> None:
    state = status(CITY_HALL, (), dt.datetime(2026, 11, 25, 7, 0))
    assert state == OpenStatus(False, next_open=at("2026-11-25T08:30"), reason="before_hours")


def test_saturday_opens_monday() -> None:
    state = status(CITY_HALL, (), dt.datetime(2026, 11, 14, 11, 0))
    assert state == OpenStatus(False, next_open=at("2026-11-16T08:30"), reason="weekend")


def test_national_holiday() -> None:
    state = status(CITY_HALL, (), dt.datetime(2026, 11, 3, 10, 0))
    assert state == OpenStatus(False, next_open=at("2026-11-04T08:30"), reason="holiday", detail="文化の日")


def test_substitute_holiday_after_golden_week() -> None:
    substitute = dt.date(2026, 5, 6)
    assert substitute.weekday() == 2 and "振替休日" in jpholiday.is_holiday_name(substitute)
    state = status(CITY_HALL, (), dt.datetime(2026, 5, 6, 10, 0))
    assert (state.reason, state.next_open) == ("holiday", at("2026-05-07T08:30"))
    assert "振替休日" in (state.detail or "")


def test_weekend_before_a_monday_holiday_skips_both() -> None:
    # 2026-11-23 (Mon) is 勤労感謝の日, so Friday evening waits until Tuesday.
    assert status(CITY_HALL, (), dt.datetime(2026, 11, 20, 20, 0)).next_open == at("2026-11-24T08:30")


@pytest.mark.parametrize("day", ["2026-12-29", "2026-12-31", "2027-01-01", "2027-01-03"])
def test_year_end_opens_on_the_first_business_day(day: str) -> None:
    state = status(CITY_HALL, (), at(day + "T10:00"))
    assert state == OpenStatus(False, next_open=at("2027-01-04T08:30"), reason="year_end")


def test_year_end_falling_on_a_weekend_waits_for_the_next_weekday() -> None:
    # 2027-12-31 is a Friday; 1/4/2028 is a Tuesday, the first day after the break.
    assert status(CITY_HALL, (), dt.datetime(2027, 12, 31, 10, 0)).next_open == at("2028-01-04T08:30")


def test_department_without_year_end_or_holiday_closing() -> None:
    always = Department(key="x", name="x", phone="0", hours={day: (OFFICE,) for day in range(7)},
                        closed_on_holidays=False, year_end_closed=False)
    assert status(always, (), dt.datetime(2027, 1, 1, 10, 0)).open_now


def test_staff_listed_closure() -> None:
    closures = (Closure(dt.date(2026, 11, 25), dt.date(2026, 11, 26), "システム更新のため"),)
    state = status(CITY_HALL, closures, dt.datetime(2026, 11, 25, 10, 0))
    assert state == OpenStatus(False, next_open=at("2026-11-27T08:30"), reason="closure",
                               detail="システム更新のため")


def test_closure_for_another_department_does_not_apply() -> None:
    closures = (Closure(dt.date(2026, 11, 25), dt.date(2026, 11, 25), "蔵書点検のため", ("library",)),)
    assert status(CITY_HALL, closures, dt.datetime(2026, 11, 25, 10, 0)).open_now


def test_department_with_its_own_hours_and_a_lunch_break() -> None:
    clinic = Department(key="kenko", name="保健センター", phone="0", hours={
        1: ((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 0), dt.time(16, 0))),
        3: ((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 0), dt.time(16, 0))),
        5: ((dt.time(9, 0), dt.time(12, 0)),),
    })
    assert status(clinic, (), dt.datetime(2026, 11, 24, 11, 0)).closes_at == at("2026-11-24T12:00")
    lunch = status(clinic, (), dt.datetime(2026, 11, 24, 12, 30))
    assert (lunch.reason, lunch.next_open) == ("before_hours", at("2026-11-24T13:00"))
    monday = status(clinic, (), dt.datetime(2026, 11, 30, 10, 0))
    assert (monday.reason, monday.next_open) == ("no_hours", at("2026-12-01T09:00"))
    assert status(clinic, (), dt.datetime(2026, 11, 28, 10, 0)).open_now  # Saturday morning
    assert format_weekly(weekly_summary(clinic), "ja") == (
        "火・木 9:00〜12:00・13:00〜16:00、土 9:00〜12:00（月・水・金・日・祝日・年末年始は休み）")


def test_department_with_no_hours_never_opens() -> None:
    nowhere = Department(key="x", name="x", phone="0")
    state = status(nowhere, (), dt.datetime(2026, 11, 24, 10, 0))
    assert state == OpenStatus(False, reason="no_hours")
    assert format_status(state, "ja") == "本日は受付日ではありません。受付日時は担当課にお問い合わせください"
    assert format_weekly(weekly_summary(nowhere), "en") == "Please ask the department for its opening hours"


def test_aware_utc_input_is_converted_to_tokyo() -> None:
    # 2026-11-24 00:30 UTC is 09:30 in Tokyo; 2026-11-24 09:00 UTC is 18:00 in Tokyo.
    morning = status(CITY_HALL, (), dt.datetime(2026, 11, 24, 0, 30, tzinfo=dt.UTC))
    assert morning.open_now and morning.closes_at == at("2026-11-24T17:15")
    assert morning.closes_at.utcoffset() == dt.timedelta(hours=9)
    evening = status(CITY_HALL, (), dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    assert (evening.reason, evening.next_open) == ("after_hours", at("2026-11-25T08:30"))


def test_closed_for_longer_than_the_horizon() -> None:
    long = (Closure(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "改修工事のため"),)
    assert status(CITY_HALL, long, dt.datetime(2026, 6, 1, 10, 0)).next_open is None


def test_real_departments_file() -> None:
    kb, problems = load_knowledge(REPO / "knowledge")
    assert not [p for p in problems if p.severity == "error" and p.path.name == "departments.yaml"]
    shimin = kb.departments["shimin"]
    assert status(shimin, kb.closures, dt.datetime(2026, 11, 24, 10, 0)).open_now
    assert status(shimin, kb.closures, dt.datetime(2026, 11, 24, 8, 29)).reason == "before_hours"
    assert format_weekly(weekly_summary(shimin), "ja") == "平日 8:30〜17:15（土日・祝日・年末年始は休み）"


@pytest.mark.parametrize(("now", "ja", "en"), [
    (dt.datetime(2026, 11, 24, 10, 0), "現在受付中（17:15まで）", "Open now (until 17:15)"),
    (dt.datetime(2026, 11, 20, 20, 0), "本日の受付は終了しました。次の受付開始: 11月24日（火）8:30",
     "Closed now. Opens Tue 24 Nov, 8:30"),
    (dt.datetime(2026, 11, 24, 7, 0), "ただいま受付時間外です。次の受付開始: 11月24日（火）8:30",
     "Closed now. Opens Tue 24 Nov, 8:30"),
    (dt.datetime(2026, 11, 21, 10, 0), "土日は休みです。次の受付開始: 11月24日（火）8:30",
     "Closed at weekends. Opens Tue 24 Nov, 8:30"),
    (dt.datetime(2026, 11, 3, 10, 0), "本日は祝日（文化の日）のため休みです。次の受付開始: 11月4日（水）8:30",
     "Closed today for a national holiday (文化の日). Opens Wed 4 Nov, 8:30"),
    (dt.datetime(2026, 12, 31, 10, 0),
     "年末年始（12月29日〜1月3日）のため休みです。次の受付開始: 1月4日（月）8:30",
     "Closed for the New Year holidays (29 Dec–3 Jan). Opens Mon 4 Jan, 8:30"),
])
def test_status_wording(now: dt.datetime, ja: str, en: str) -> None:
    state = status(CITY_HALL, (), now)
    assert format_status(state, "ja") == ja
    assert format_status(state, "en") == en


def test_closure_wording_with_and_without_a_reason() -> None:
    explained = (Closure(dt.date(2026, 11, 25), dt.date(2026, 11, 25), "システム更新のため"),)
    state = status(CITY_HALL, explained, dt.datetime(2026, 11, 25, 10, 0))
    assert format_status(state, "ja") == (
        "本日は臨時休業です（システム更新のため）。次の受付開始: 11月26日（木）8:30")
    silent = (Closure(dt.date(2026, 11, 25), dt.date(2026, 11, 25), ""),)
    state = status(CITY_HALL, silent, dt.datetime(2026, 11, 25, 10, 0))
    assert format_status(state, "en") == "Closed today. Opens Thu 26 Nov, 8:30"


def test_weekly_summary_groups_identical_days() -> None:
    week = weekly_summary(CITY_HALL)
    assert [group.weekdays for group in week.open_days] == [(0, 1, 2, 3, 4)]
    assert week.closed_weekdays == (5, 6)
    assert format_weekly(week, "en") == (
        "Weekdays 8:30–17:15 (closed Sat–Sun, national holidays, 29 Dec–3 Jan)")


def test_every_day_without_closing_days() -> None:
    always = Department(key="x", name="x", phone="0", hours={day: (OFFICE,) for day in range(7)},
                        closed_on_holidays=False, year_end_closed=False)
    assert format_weekly(weekly_summary(always), "ja") == "毎日 8:30〜17:15"


def test_format_moment_uses_tokyo_time() -> None:
    assert hours.format_moment(dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC), "en") == "Tue 24 Nov, 8:30"
