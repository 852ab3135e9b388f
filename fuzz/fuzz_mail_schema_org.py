#!/usr/bin/env python3
"""atheris harness: e-mail (eml/mbox) with schema.org JSON-LD and microdata, HTML pages and ICS
calendars through the travel.mail, travel.html and travel.ics plugins, and the lenient JSON reader
of forensic_triage/travel/schema_org.py (allowed: ValueError).

    .venv/bin/python fuzz/fuzz_mail_schema_org.py fuzz/corpus/mail -max_total_time=600
"""

import harness

MODULES = ("forensic_triage.travel.schema_org", "forensic_triage_plugins.mail_reservations",
           "forensic_triage_plugins.html_reservations", "forensic_triage_plugins.calendar_reservations")


def test_one_input(data: bytes) -> None:
    from forensic_triage_plugins.calendar_reservations import CalendarReservations
    from forensic_triage_plugins.html_reservations import HtmlReservations
    from forensic_triage_plugins.mail_reservations import MailReservations

    from forensic_triage.travel import schema_org

    harness.run_plugin(MailReservations, data, "Mail/booking.eml")
    harness.run_plugin(MailReservations, data, "Mail/Inbox.mbox")
    harness.run_plugin(HtmlReservations, data, "Download/booking.html")
    harness.run_plugin(CalendarReservations, data, "Calendar/trip.ics")
    try:
        schema_org.loads_lenient(data.decode("utf-8", "replace"))
    except ValueError:
        pass


if __name__ == "__main__":
    harness.main(test_one_input, MODULES)
