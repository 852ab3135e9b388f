"""The demo phone's communication stores, written with the real-schema builders in demo/apps:
Android SMS/MMS, contacts and call log, WhatsApp (msgstore.db, wa.db, owner preferences) and
Telegram (cache4.db). Each function writes its files under ``root`` at the apps' real paths and
returns the relative paths with the time the app last wrote them (the FAT modification time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from forensic_triage.demo.apps import android as A
from forensic_triage.demo.apps import telegram as T
from forensic_triage.demo.apps import whatsapp_android as W
from forensic_triage.demo.story import (
    ANA,
    ARABIC_BODY,
    CJK_BODY,
    CYRILLIC_BODY,
    HOTEL_DESK,
    LI_WEI,
    MIKE,
    OWNER,
    PARCEL_SPAM,
    SCRIPT_BODY,
    VIKTOR,
    YUSUF,
    ms,
    seconds,
    utc,
)

Written = list[tuple[str, datetime]]

TELEPHONY = "data/data/com.android.providers.telephony"
CONTACTS = "data/data/com.android.providers.contacts/databases"
WHATSAPP = "data/data/com.whatsapp"
TELEGRAM = "data/data/org.telegram.messenger/files"
MMS_PARTS = f"{TELEPHONY}/app_parts"   # beside databases/, where the SMS plugin looks for part files


def _sms(address: str, when: str, body: str, *, sent: bool = False) -> A.Sms:
    moment = utc(when)
    if sent:
        return A.Sms(address=address, date_ms=ms(moment), body=body, type=A.SMS_SENT, status=0)
    # A received SMS carries the sender's (SMSC) time a few seconds before the phone stored it.
    return A.Sms(address=address, date_ms=ms(moment + timedelta(seconds=3)), date_sent_ms=ms(moment), body=body)


def write_sms(root: Path, picture: Callable[[str], bytes]) -> Written:
    """mmssms.db: the driver writes in E.164, Viktor's number is stored in the national format,
    as it was typed into the phone; one MMS with a photo part; one spam text holding a script."""
    messages = [
        _sms(VIKTOR.national, "2026-02-26 17:58", "Call me on Telegram, not here."),
        _sms(VIKTOR.national, "2026-02-26 18:01", "OK, switching now.", sent=True),
        _sms(MIKE.e164, "2026-03-02 16:20", "Friday pickup 05:30 at the flat, then Heathrow T5. How many?"),
        _sms(MIKE.e164, "2026-03-02 16:24", "Two. Ana and me. She has one bag.", sent=True),
        _sms(MIKE.e164, "2026-03-02 16:25", "Bring both passports, they check at the desk."),
        _sms(ANA.e164, "2026-03-03 09:12", "Hello Sam, is the trip still on Friday?"),
        _sms(ANA.e164, "2026-03-03 09:15", "Yes. Be ready at 05:30. I will hold your documents.", sent=True),
        _sms(PARCEL_SPAM, "2026-03-04 11:02", SCRIPT_BODY),
        A.Mms(date_s=seconds(utc("2026-03-06 05:28")), sender=MIKE.e164, to=(OWNER.e164,), parts=(
            A.MmsPart(content_type="application/smil", text="<smil><body><par><img src=\"van.jpg\"/></par></body></smil>"),
            A.MmsPart(content_type="text/plain", text="Outside. Grey van."),
            A.MmsPart(content_type="image/jpeg", name="van.jpg", data=picture("van")),
        )),
        _sms(HOTEL_DESK.e164, "2026-03-06 13:40", "Hotel Example Amsterdam: rooms 214 and 215 ready, "
             "booking HX-40217 under J. Smith."),
        _sms(VIKTOR.national, "2026-03-09 20:12", "Back in London. Ana stays with Yusuf.", sent=True),
    ]
    parts = root / MMS_PARTS
    A.build_mmssms(root / TELEPHONY / "databases/mmssms.db", messages, owner=OWNER.e164, parts_dir=parts)
    written = [(f"{TELEPHONY}/databases/mmssms.db", utc("2026-03-09 20:12"))]
    written += [(f"{MMS_PARTS}/{path.name}", utc("2026-03-06 05:28")) for path in sorted(parts.iterdir())]
    return written


def write_contacts_and_calls(root: Path) -> Written:
    """contacts2.db (names with national-format numbers, as typed on the phone) and calllog.db."""
    contacts = [
        A.AndroidContact(name="Viktor P", phones=(VIKTOR.national,), whatsapp_jid=VIKTOR.jid, starred=True),
        A.AndroidContact(name="Mike Van", phones=(MIKE.national,), whatsapp_jid=MIKE.jid),
        A.AndroidContact(name=ANA.name, phones=(ANA.national,), whatsapp_jid=ANA.jid),
        A.AndroidContact(name="Li (agency)", phones=(LI_WEI.national,), emails=("li.wei@travel.example.com",),
                         organisation="Example Travel"),
        A.AndroidContact(name=YUSUF.name, phones=(YUSUF.national,), whatsapp_jid=YUSUF.jid),
        A.AndroidContact(name="Hotel Example Amsterdam", phones=(HOTEL_DESK.national,)),
    ]
    A.build_contacts2(root / CONTACTS / "contacts2.db", contacts,
                      accounts=[("sam.carter@example.com", "com.google")])
    calls = [
        A.CallEntry(number=VIKTOR.national, date_ms=ms(utc("2026-02-26 17:55")), duration_s=0, type=A.CALL_MISSED),
        A.CallEntry(number=MIKE.e164, date_ms=ms(utc("2026-03-02 16:30")), duration_s=94, type=A.CALL_OUTGOING),
        A.CallEntry(number=ANA.e164, date_ms=ms(utc("2026-03-05 21:40")), duration_s=0, type=A.CALL_REJECTED),
        A.CallEntry(number=MIKE.e164, date_ms=ms(utc("2026-03-06 05:26")), duration_s=31, type=A.CALL_INCOMING),
        A.CallEntry(number=HOTEL_DESK.e164, date_ms=ms(utc("2026-03-06 13:50")), duration_s=140,
                    type=A.CALL_OUTGOING),
        A.CallEntry(number=VIKTOR.e164, date_ms=ms(utc("2026-03-09 20:20")), duration_s=312, type=A.CALL_OUTGOING),
    ]
    A.build_calllog(root / CONTACTS / "calllog.db", calls)
    return [(f"{CONTACTS}/contacts2.db", utc("2026-02-25 12:00")), (f"{CONTACTS}/calllog.db", utc("2026-03-09 20:25"))]


def _wa(chat: str, when: str, text: str, *, me: bool = False, **extra) -> W.WaMessage:
    moment = ms(utc(when))
    if me:
        return W.WaMessage(chat=chat, timestamp_ms=moment, text=text, from_me=True, delivered_ms=moment + 2000,
                           read_ms=moment + 60_000, **extra)
    return W.WaMessage(chat=chat, timestamp_ms=moment, text=text, received_ms=moment + 1500, **extra)


def write_whatsapp(root: Path) -> Written:
    """msgstore.db (the 2021+ schema), wa.db and the owner's preferences."""
    messages = [
        _wa(ANA.jid, "2026-02-28 19:02", "When do I get my passport back?"),
        _wa(ANA.jid, "2026-02-28 19:10", "After the work starts. I keep it safe until then.", me=True),
        _wa(ANA.jid, "2026-02-28 19:11", "I need it to travel."),
        _wa(ANA.jid, "2026-02-28 19:13", "I will have it at the airport. Don't worry.", me=True),
        _wa(VIKTOR.jid, "2026-03-01 10:05", "Did the agency send the hotel?"),
        _wa(VIKTOR.jid, "2026-03-01 10:07", "Yes, two rooms, Friday to Monday.", me=True),
        _wa(MIKE.jid, "2026-03-03 08:40", "Van booked for Friday."),
        _wa(MIKE.jid, "2026-03-03 08:41", "Good. Cash as usual.", me=True),
        _wa(YUSUF.jid, "2026-03-05 18:30", ARABIC_BODY),
        _wa(YUSUF.jid, "2026-03-05 18:34", "Understood. Arriving Friday afternoon.", me=True),
        _wa(ANA.jid, "2026-03-07 20:15", "I want to call my mother."),
        _wa(ANA.jid, "2026-03-07 20:31", "Tomorrow.", me=True),
        _wa(YUSUF.jid, "2026-03-08 12:02", "At Rotterdam Centraal, main exit.", me=True),
        _wa(YUSUF.jid, "2026-03-08 12:06", "I see you."),
    ]
    calls = [
        W.WaCall(jid=VIKTOR.jid, timestamp_ms=ms(utc("2026-03-01 10:15")), duration_s=204, from_me=True),
        W.WaCall(jid=ANA.jid, timestamp_ms=ms(utc("2026-03-07 20:20")), result=W.CALL_MISSED),
        W.WaCall(jid=YUSUF.jid, timestamp_ms=ms(utc("2026-03-08 11:50")), duration_s=48, video=True),
    ]
    base = root / WHATSAPP
    W.build_msgstore(base / "databases/msgstore.db", messages, calls=calls)
    W.build_wa_db(base / "databases/wa.db", [
        W.WaContact(jid=person.jid, display_name=name, number=person.national, wa_name=person.first)
        for person, name in ((VIKTOR, "Viktor P"), (MIKE, "Mike Van"), (ANA, ANA.name), (YUSUF, YUSUF.name))])
    W.build_preferences(base / "shared_prefs/com.whatsapp_preferences_light.xml",
                        W.WaOwner(country_code="44", phone=OWNER.e164[3:], push_name="Sam"))
    return [("data/data/com.whatsapp/databases/msgstore.db", utc("2026-03-08 12:06")),
            ("data/data/com.whatsapp/databases/wa.db", utc("2026-03-05 18:30")),
            ("data/data/com.whatsapp/shared_prefs/com.whatsapp_preferences_light.xml", utc("2026-02-20 09:00"))]


def write_telegram(root: Path) -> Written:
    """cache4.db: where Viktor gives instructions (one in Russian) and the agency confirms (in Chinese)."""
    me, viktor, li = OWNER.telegram_id, VIKTOR.telegram_id, LI_WEI.telegram_id
    assert me and viktor and li

    def tg(mid: int, dialog: int, when: str, text: str, *, out: bool = False, **extra) -> T.TgMessage:
        return T.TgMessage(mid=mid, dialog=dialog, date=seconds(utc(when)), text=text, out=out,
                           from_id=me if out else dialog, **extra)

    messages = [
        tg(101, viktor, "2026-02-26 18:05", "Two travellers this time. Book Amsterdam for Friday the 6th."),
        tg(102, viktor, "2026-02-26 18:07", "Which name on the second ticket?", out=True),
        tg(103, viktor, "2026-02-26 18:09", "Ana Marin. Use the agency. Hotel under Smith, not your name."),
        tg(104, viktor, "2026-02-27 10:40", "Booked. Flight Friday 07:55, two rooms until Monday.", out=True),
        tg(105, viktor, "2026-03-06 11:52", "Landed. Both with me.", out=True),
        tg(106, viktor, "2026-03-06 11:58", CYRILLIC_BODY),
        tg(107, viktor, "2026-03-08 08:30", "Train to Rotterdam at 10:00. Yusuf meets you at the station."),
        tg(108, viktor, "2026-03-09 19:40", "", call=T.TgCall(duration=95, reason="hangup", call_id=7)),
        tg(201, li, "2026-02-27 10:20", CJK_BODY),
        tg(202, li, "2026-02-27 10:25", "Thank you. Invoice to the usual address.", out=True),
    ]
    users = [
        T.TgUser(id=me, first_name=OWNER.first, last_name=OWNER.last, username=OWNER.telegram_username,
                 phone=OWNER.digits, is_self=True),
        T.TgUser(id=viktor, first_name=VIKTOR.first, last_name=VIKTOR.last, username=VIKTOR.telegram_username,
                 phone=VIKTOR.digits),
        T.TgUser(id=li, first_name=LI_WEI.first, last_name=LI_WEI.last, phone=LI_WEI.digits),
    ]
    T.build_cache4(root / TELEGRAM / "cache4.db", messages, users=users)
    return [(f"{TELEGRAM}/cache4.db", utc("2026-03-09 19:41"))]
