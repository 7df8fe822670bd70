"""Deadlines in working days: the union must contact an applicant within 15, and answer a worker's
request within its category's. China's statutory holidays and the weekend days made working days
(调休) count as the State Council announces them, through the `holidays` package."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
from holidays.countries.china import China, ChinaStaticHolidays

CONTACT_WORKING_DAYS = 15


@cache
def _calendar() -> holidays.HolidayBase:
    return China()


def last_announced_year() -> int:
    """The last year whose holiday schedule the State Council has announced, as the package
    knows it; later years count statutory holidays by rule, without make-up working days."""
    return max(ChinaStaticHolidays.special_public_holidays)


def working_days_after(start: date, working_days: int) -> tuple[date, bool]:
    """The `working_days`-th working day after `start`, and whether it is estimated (it falls in
    a year whose schedule is not announced yet)."""
    deadline = _calendar().get_nth_working_day(start, working_days)
    return deadline, deadline.year > last_announced_year()


def contact_deadline(submitted: date, working_days: int = CONTACT_WORKING_DAYS) -> tuple[date, bool]:
    """The last day to contact the applicant, and whether it is estimated."""
    return working_days_after(submitted, working_days)


def is_overdue(deadline: date, today: date) -> bool:
    return today > deadline


def working_days_late(deadline: date, done_on: date) -> int:
    """How many working days after the deadline something was done: 0 when in time."""
    return max(0, -working_days_left(done_on, deadline))


def working_days_left(today: date, deadline: date) -> int:
    """The working days after today up to and including the deadline: 0 when it is today; once
    it has passed, minus the working days since it (through today)."""
    calendar = _calendar()
    if today > deadline:
        return -calendar.get_working_days_count(deadline + timedelta(days=1), today)
    return calendar.get_working_days_count(today, deadline) - calendar.is_working_day(today)
