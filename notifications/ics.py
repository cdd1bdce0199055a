"""Calendar invitations (.ics) for reminders, built with ``icalendar``.

No clinical detail goes in: the summary says "Appointment at <clinic>", never the kind of visit.
"""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from .services import Attachment


def ics_event(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    location: str = "",
    organizer_email: str = "",
    organizer_name: str = "",
    sequence: int = 0,
    cancelled: bool = False,
) -> str:
    """One VEVENT in a VCALENDAR, times in UTC, as text.

    ``uid`` must stay the same for one appointment across reschedules (with ``sequence`` raised),
    so calendar programs update the event instead of adding one.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//FBSS clinic//outbox//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(tz=UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("sequence", sequence)
    if location:
        event.add("location", location)
    if organizer_email:
        organizer = icalendar.vCalAddress(f"mailto:{organizer_email}")
        if organizer_name:
            organizer.params["cn"] = icalendar.vText(organizer_name)
        event.add("organizer", organizer)
    if cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def ics_attachment(ics_text: str, *, filename: str = "appointment.ics") -> Attachment:
    """The ``attachments`` entry of :func:`notifications.services.enqueue` for an .ics text."""
    return {"filename": filename, "mimetype": "text/calendar", "content": ics_text}
