"""Opening hours: is a department open at a given moment, and when does it next open?

Everything here is pure: the caller passes the current time, so answers are reproducible and
the tests need no clock tricks. Wording comes from ``messages.yaml`` like all user-facing text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jpholiday

from chatbot.core import messages
from chatbot.knowledge.model import Closure, Department

TOKYO = ZoneInfo("Asia/Tokyo")
# Long enough to cross the New Year break plus a run of staff closures; short enough to stay cheap.
HORIZON_DAYS = 60
# 年末年始 (12/29–1/3) as (month, day): municipal offices close these days every year.
YEAR_END_START = (12, 29)
YEAR_END_END = (1, 3)
WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
EVERY_DAY = WEEKDAYS + WEEKEND
_DAY_SET_LABELS = {WEEKDAYS: "hours_weekdays_label", WEEKEND: "hours_weekend_label",
                   EVERY_DAY: "hours_every_day_label"}

Intervals = tuple[tuple[dt.time, dt.time], ...]


@dataclass(frozen=True)
class OpenStatus:
    """Whether a department is open at one moment, and what a citizen needs to know next."""

    open_now: bool
    closes_at: dt.datetime | None = None  # when open now
    next_open: dt.datetime | None = None  # when closed now; None if nothing within HORIZON_DAYS
    # why closed: "weekend" | "holiday" | "year_end" | "closure" | "after_hours" | "before_hours" | "no_hours"
    reason: str | None = None
    detail: str | None = None  # holiday name or the closure's reason


@dataclass(frozen=True)
class HoursGroup:
    """Weekdays that share exactly the same opening intervals."""

    weekdays: tuple[int, ...]
    intervals: Intervals


@dataclass(frozen=True)
class WeeklyHours:
    """A department's regular week, grouped so it reads as 「平日 8:30〜17:15」."""

    open_days: tuple[HoursGroup, ...]
    closed_weekdays: tuple[int, ...]
    closed_on_holidays: bool
    year_end_closed: bool


def to_tokyo(moment: dt.datetime) -> dt.datetime:
    """Naive times are Tokyo wall-clock times; aware ones are converted."""
    return moment.replace(tzinfo=TOKYO) if moment.tzinfo is None else moment.astimezone(TOKYO)


def to_minute(moment: dt.datetime) -> dt.datetime:
    """Tokyo time to the minute: opening hours are whole minutes, so nothing here changes within one."""
    return to_tokyo(moment).replace(second=0, microsecond=0)


def is_year_end(day: dt.date) -> bool:
    return (day.month, day.day) >= YEAR_END_START or (day.month, day.day) <= YEAR_END_END


def day_closed(department: Department, closures: Sequence[Closure],
               day: dt.date) -> tuple[str, str | None] | None:
    """Why the department is shut for the whole of ``day`` as (reason, detail), or None if it opens."""
    if department.year_end_closed and is_year_end(day):
        return "year_end", None
    closure = next((c for c in closures if c.covers(day, department.key)), None)
    if closure is not None:
        return "closure", closure.reason or None
    holiday = jpholiday.is_holiday_name(day) if department.closed_on_holidays else None
    if holiday:
        return "holiday", holiday
    if not department.hours.get(day.weekday()):
        return ("weekend" if day.weekday() in WEEKEND else "no_hours"), None
    return None


def status(department: Department, closures: Sequence[Closure], now: dt.datetime) -> OpenStatus:
    """Open or closed at ``now``; when closed, why and when it next opens (Asia/Tokyo times)."""
    now = to_tokyo(now)
    today = now.date()
    shut = day_closed(department, closures, today)
    if shut is not None:
        reason, detail = shut
        return OpenStatus(False, next_open=_next_opening(department, closures, today),
                          reason=reason, detail=detail)
    for start, end in department.hours[today.weekday()]:
        if now < _at(today, start):
            return OpenStatus(False, next_open=_at(today, start), reason="before_hours")
        if now < _at(today, end):
            return OpenStatus(True, closes_at=_at(today, end))
    return OpenStatus(False, next_open=_next_opening(department, closures, today), reason="after_hours")


def _next_opening(department: Department, closures: Sequence[Closure], after: dt.date) -> dt.datetime | None:
    for offset in range(1, HORIZON_DAYS + 1):
        day = after + dt.timedelta(days=offset)
        if day_closed(department, closures, day) is None:
            return _at(day, department.hours[day.weekday()][0][0])
    return None


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=TOKYO)


def weekly_summary(department: Department) -> WeeklyHours:
    """Group the days with identical hours, in weekday order of their first day."""
    groups: dict[Intervals, list[int]] = {}
    for day in EVERY_DAY:
        intervals = department.hours.get(day, ())
        if intervals:
            groups.setdefault(intervals, []).append(day)
    return WeeklyHours(
        open_days=tuple(HoursGroup(tuple(days), intervals) for intervals, days in groups.items()),
        closed_weekdays=tuple(day for day in EVERY_DAY if not department.hours.get(day)),
        closed_on_holidays=department.closed_on_holidays,
        year_end_closed=department.year_end_closed,
    )


# ---------------------------------------------------------------- wording for citizens

def format_status(state: OpenStatus, lang: str = "ja") -> str:
    """「現在受付中（17:15まで）」 / "Closed now. Opens Tue 24 Nov, 8:30" and the like."""
    if state.open_now and state.closes_at is not None:
        return messages.text("hours_open", lang, closes=_clock(to_tokyo(state.closes_at).time()))
    if state.next_open is not None:
        upcoming = messages.text("hours_next_open", lang, when=format_moment(state.next_open, lang))
    else:
        upcoming = messages.text("hours_ask_department", lang)
    key = f"hours_{state.reason}"
    if state.reason == "closure" and not state.detail:
        key = "hours_closure_unexplained"
    return messages.text(key, lang, detail=state.detail or "", next=upcoming,
                         start=_date(*YEAR_END_START, lang), end=_date(*YEAR_END_END, lang))


def format_weekly(week: WeeklyHours, lang: str = "ja") -> str:
    """「平日 8:30〜17:15（土日・祝日・年末年始は休み）」 / "Weekdays 8:30–17:15 (closed ...)"."""
    if not week.open_days:
        return messages.text("hours_ask_department", lang)
    separator = messages.text("hours_list_separator", lang)
    opened = messages.text("hours_group_separator", lang).join(
        messages.text("hours_group", lang, days=_days(group.weekdays, lang),
                      intervals=separator.join(messages.text("hours_interval", lang, start=_clock(start),
                                                             end=_clock(end))
                                               for start, end in group.intervals))
        for group in week.open_days)
    closed = [_days(week.closed_weekdays, lang)] if week.closed_weekdays else []
    if week.closed_on_holidays:
        closed.append(messages.text("hours_holidays_label", lang))
    if week.year_end_closed:
        closed.append(messages.text("hours_year_end_label", lang, start=_date(*YEAR_END_START, lang),
                                    end=_date(*YEAR_END_END, lang)))
    if not closed:
        return opened
    return messages.text("hours_summary", lang, open=opened, closed=separator.join(closed))


def format_moment(moment: dt.datetime, lang: str = "ja") -> str:
    """「11月24日（火）8:30」 / "Tue 24 Nov, 8:30", in Tokyo time."""
    local = to_tokyo(moment)
    weekday = _names("hours_weekday_names", lang)[local.weekday()]
    return messages.text("hours_datetime", lang, date=_date(local.month, local.day, lang), weekday=weekday,
                         time=_clock(local.time()))


def _date(month: int, day: int, lang: str) -> str:
    return messages.text("hours_date", lang, month=_names("hours_month_names", lang)[month - 1], day=day)


def _days(weekdays: tuple[int, ...], lang: str) -> str:
    if weekdays in _DAY_SET_LABELS:
        return messages.text(_DAY_SET_LABELS[weekdays], lang)
    names = _names("hours_weekday_names", lang)
    return messages.text("hours_list_separator", lang).join(names[day] for day in weekdays)


def _names(key: str, lang: str) -> list[str]:
    """Month and weekday names are kept in the catalogue as one comma-separated entry."""
    return messages.text(key, lang).split(",")


def _clock(time: dt.time) -> str:
    """8:30 rather than 08:30, as written on the city's notices."""
    return f"{time.hour}:{time.minute:02d}"
