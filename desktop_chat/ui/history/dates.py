"""Name the date group a conversation falls in, as the sidebar shows it: Pinned, Today,
Yesterday, Previous 7 days, then month by month (in local time), in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QLocale

from desktop_chat.i18n import N_, _

PINNED = N_("Pinned")
TODAY = N_("Today")
YESTERDAY = N_("Yesterday")
WEEK = N_("Previous 7 days")
# A QLocale date pattern, so the month's name is the language's own (QLocale's, not strftime's,
# which follows the C locale Qt sets); a translation orders and words it: "yyyy年M月".
MONTH_PATTERN = N_("MMMM yyyy")


@dataclass(frozen=True, slots=True)
class Group:
    """One date group: a fixed name (PINNED, TODAY, ...), or a month when `name` is empty.

    A group is compared as this value, never as its label, so the rows stay grouped the same
    whatever the language; `label()` is asked each time the group is shown.
    """

    name: str = ""
    year: int = 0
    month: int = 0

    def label(self) -> str:
        if self.name:
            return _(self.name)
        return QLocale().toString(QDate(self.year, self.month, 1), _(MONTH_PATTERN))

    @property
    def pinned(self) -> bool:
        return self.name == PINNED


def group_of(updated: float, pinned: bool, today: date) -> Group:
    """The group of a conversation last updated at `updated` (a Unix time), seen on `today`."""
    if pinned:
        return Group(PINNED)
    day = datetime.fromtimestamp(updated).date()  # local time: "today" is the user's day
    if day >= today:
        return Group(TODAY)  # a clock set back still shows the newest as today
    if day == today - timedelta(days=1):
        return Group(YESTERDAY)
    if day > today - timedelta(days=8):
        return Group(WEEK)
    return Group(year=day.year, month=day.month)
