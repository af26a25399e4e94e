"""The evidence page's times and user agents in words a reader can check: UK time with its offset, then UTC;
the browser and system a user agent names."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ua_parser import parse

UK = ZoneInfo("Europe/London")
UNKNOWN = "—"


def uk_time(value: datetime | None) -> str:
    """Return a moment as "1 December 2026, 10:15:07 GMT (+00:00); 10:15:07 UTC" (BST in summer).

    The UTC part repeats the date only where it differs (late evening in summer); a naive moment
    is taken as UTC, as the database stores them.
    """
    if value is None:
        return UNKNOWN
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    local = utc.astimezone(UK)
    offset = local.strftime("%z")
    uk = f"{_day(local)}, {local:%H:%M:%S} {local.tzname()} ({offset[:3]}:{offset[3:]})"
    same_day = local.date() == utc.date()
    return f"{uk}; {'' if same_day else _day(utc) + ', '}{utc:%H:%M:%S} UTC"


def _day(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def warm() -> None:
    """Load ua-parser's patterns now (about half a second, once per process) rather than at the first summary."""
    browser_and_system("Mozilla/5.0")


def browser_and_system(user_agent: str | None) -> str:
    """Summarise a user agent in words ("Chrome 131 on Windows 10"); the raw string stays in the audit log."""
    if not user_agent or user_agent == UNKNOWN:
        return UNKNOWN
    result = parse(user_agent)
    agent = result.user_agent
    browser = " ".join(part for part in (agent.family, agent.major) if part) if agent else ""
    system = ""
    if result.os is not None:
        system = " ".join(part for part in (result.os.family, result.os.major) if part)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "not recognised"
