"""PigeonPost (Android): messages and the device owner's account from pigeon.db."""

from forensic_triage.sdk import INCOMING, OUTGOING, Account, Extractor, Message, Select

NEEDED = {"messages": ["_id", "contact_id", "outgoing", "body", "sent_at", "seen_at"],
          "contacts": ["_id", "address", "nickname"]}


class PigeonPostMessages(Extractor):
    name = "pigeonpost.messages"
    version = "1.0.0"
    description = "PigeonPost messages and the owner's account."
    selects = [
        Select(glob="**/com.pigeonpost.android/databases/pigeon.db"),
        Select(sqlite_tables=NEEDED),        # also finds a renamed copy, by its tables and columns
    ]
    kinds = [Message, Account]

    def extract(self, ctx, source):
        db = ctx.open_sqlite()               # scratch copy (with -wal), re-hashed, read-only
        owner = db.execute("SELECT number, nickname FROM me").fetchone()
        if owner:
            yield Account(app="PigeonPost", identifier=owner["number"], display_name=owner["nickname"],
                          phone=owner["number"], locator=ctx.locate(table="me", rowid=1))
        me = owner["number"] if owner else None
        rows = db.execute("""
            SELECT m._id, m.outgoing, m.body, m.sent_at, m.seen_at, c.address, c.nickname
            FROM messages m LEFT JOIN contacts c ON c._id = m.contact_id ORDER BY m._id""")
        for row in rows:
            outgoing = bool(row["outgoing"])
            yield Message(
                app="PigeonPost",
                account=me,
                thread_id=row["address"],
                thread_name=row["nickname"],
                sender=me if outgoing else row["address"],
                recipients=(row["address"],) if outgoing else ((me,) if me else ()),
                direction=OUTGOING if outgoing else INCOMING,
                sent=ctx.time.unix_ms(row["sent_at"]),
                read=ctx.time.unix_ms(row["seen_at"]),
                body=row["body"],
                locator=ctx.locate(table="messages", rowid=row["_id"]),
            )
