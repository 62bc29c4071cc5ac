"""Name the date group a conversation falls in, as the sidebar shows it: Pinned, Today,
Yesterday, Previous 7 days, then month by month (in local time)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

PINNED = "Pinned"
# English like the rest of the window (strftime's %B would follow the C locale Qt sets).
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def group_of(updated: float, pinned: bool, today: date) -> str:
    """The group of a conversation last updated at `updated` (a Unix time), seen on `today`."""
    if pinned:
        return PINNED
    day = datetime.fromtimestamp(updated).date()  # local time: "today" is the user's day
    if day >= today:
        return "Today"  # a clock set back still shows the newest as today
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day > today - timedelta(days=8):
        return "Previous 7 days"
    return f"{MONTHS[day.month - 1]} {day.year}"
