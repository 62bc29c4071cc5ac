"""Once after start, if the user opted in, ask the release feed and say when a newer version exists.

Nothing happens while ``ui.check_for_updates`` is off (the default): no task, no import of the
network stack, no request. When it is on, one check runs in the background a few seconds after
the window is up, so start-up never waits on the network; a newer version shows a dismissable
banner with a button to its release page (opened in the browser; nothing is downloaded). A
build that knows no feed, or network settings that cannot make a request, say so in a banner;
a feed that cannot be reached is only logged, as being offline is no news
(`desktop-chat update-check` tells why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from desktop_chat.i18n import _
from desktop_chat.storage.settings import Network, Settings
from desktop_chat.ui.banner import BannerArea

log = logging.getLogger(__name__)

BANNER_KEY = "release"
START_DELAY = 3.0  # seconds after start: the first answer's requests go first


Spawn = Callable[[Coroutine[object, object, object]], object]


def check_after_start(
    settings: Settings,
    notices: BannerArea,
    spawn: Spawn,
    *,
    delay: float | None = None,
) -> bool:
    """Start the one background check if the user opted in; return whether it was started.

    The release page opens through `QDesktopServices.openUrl`, so in the user's browser.
    """
    if not settings.ui.check_for_updates:
        return False
    spawn(_check(settings.network, notices, START_DELAY if delay is None else delay))
    return True


async def _check(network: Network, notices: BannerArea, delay: float) -> None:
    import asyncio

    await asyncio.sleep(delay)
    from desktop_chat.core.errors import ConfigurationError
    from desktop_chat.session.release_check import FeedFailed, FeedUnknown, check_release

    try:
        result = await check_release(network)
    except FeedFailed as exc:
        log.info("update check: %s", exc)
        return
    except (FeedUnknown, ConfigurationError) as exc:
        notices.show_notice(BANNER_KEY, _("Update check: {error}.").format(error=exc))
        return
    log.info("update check: latest %s, this %s", result.latest, result.current)
    if result.newer:
        page = QUrl(result.page)

        def open_page() -> None:
            QDesktopServices.openUrl(page)

        notices.show_notice(
            BANNER_KEY,
            _("Desktop Chat {latest} is available (this is {current}).").format(
                latest=result.latest, current=result.current
            ),
            action=(_("Open release page"), open_page),
        )
