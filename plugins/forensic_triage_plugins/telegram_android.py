"""Telegram for Android: ``cache4.db`` (messages, calls, cached users and the owner's account).

Telegram Android keeps its message cache in ``files/cache4.db`` (``files/account<N>/cache4.db`` for
further accounts). The SQLite columns give the dialog (``uid``), the message id (``mid``), the
date (``date``, seconds since 1970 UTC) and the direction (``out``); everything else -- text,
sender, peer, media -- is inside ``data``, the message serialised in Telegram's TL binary format
(``TLRPC.Message.serializeToStream``), followed by the app's own ``attachPath`` string.

The TL reader (:func:`decode_message`, :func:`decode_user`, :func:`decode_chat`) is driven by the TL
declarations below, written as the schema states them. Each declaration carries its constructor
id, and the id is the CRC32 of the declaration itself (with flag-only ``true`` fields left out, as
the schema's id rule does), so the test suite proves every declaration used here is the one
Telegram assigned that id -- not a guess. Supported: ``message`` from the 2015 layers (``to_id``,
int ids) through layer 2xx (``flags2``, ``from_rank``, ``guestchat_via_from``), ``messageService``
(phone calls become Call artifacts), ``messageEmpty``, Telegram Android's local secret-chat
constructors (``0x555555f8``-``fa``), forwarded headers (every ``messageFwdHeader`` since layer 5x)
and reply headers (``messageReplyHeader``, ``messageReplyStoryHeader``). A reply that quotes media
(``reply_media``) cannot be skipped without a full MessageMedia decoder: such a message keeps its
sender, peer and date from the columns and is reported with a ``telegram.partial_decode``
warning. A constructor id the reader does not know gives one ``telegram.unknown_constructor``
warning per id (in hex, with the number of rows), and the rows still become messages from what
the columns give (date, direction, dialog).

Conventions: a user is named by the Telegram user id as text (``"123456789"``; the contact graph
keeps Telegram's numeric ids apart from phone numbers), and contacts also carry ``@username``.
``thread_id`` is the dialog id as Telegram stores it in ``uid`` (positive: a user, negative: a
group or channel; a secret chat has bit 62 set, or before 8.x its id shifted left by 32 bits). In
a group or channel the recipient is the conversation, not a person, so ``recipients`` is empty
and ``thread_id``/``thread_name`` name it. Names come from the cached
``users``/``chats`` rows (TL ``User``/``Chat`` objects, checked against the row's ``uid``;
otherwise the lower-cased search ``name`` column). The cached user flagged ``self`` (``flags.10``)
is the device owner (Account). Photos are reported as ``image/jpeg`` attachments (Telegram
stores and serves photos as JPEG); documents with the MIME type and size their ``Document``
object records.

Sources: Telegram's TL schema (core.telegram.org/schema and its per-layer copies), Telegram
Android ``TLRPC.java``/``MessagesStorage.java`` (DrKLO/Telegram: table layout, local constructors,
``readAttachPath``), teleparser (RealityNet, blog.digital-forensics.it 2020: cache4.db blob
layouts of layers 68-119), ALEAPP's Telegram notes.
"""

from __future__ import annotations

import re
import sqlite3
import struct
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from forensic_triage.sdk import (INCOMING, OUTGOING, SQLITE_MAGIC, UNKNOWN, Account, Attachment, Call, Contact,
                                 Context, Extractor, Message, PluginWarning, Select, Source)

APP = "Telegram"

# --- TL declarations ------------------------------------------------------------------------------
# Flag-only ``true`` fields (out, mentioned, silent, ...) are left out: they take no bytes on the
# wire and do not enter the constructor id. ``out`` is read from flags bit 1 directly.

MESSAGE_DECLARATIONS = (
    # Layer 5x-1xx, ``to_id`` and 32-bit ids.
    "message#22eb6aba id:int from_id:int to_id:Peer out:Bool unread:Bool date:int message:string media:MessageMedia = Message",
    "message#567699b3 flags:int id:int from_id:int to_id:Peer date:int message:string media:MessageMedia = Message",
    "messageForwarded#05f46804 id:int fwd_from_id:int fwd_date:int from_id:int to_id:Peer out:Bool unread:Bool date:int message:string media:MessageMedia = Message",
    "messageForwarded#a367e716 flags:int id:int fwd_from_id:int fwd_date:int from_id:int to_id:Peer date:int message:string media:MessageMedia = Message",
    "message#a7ab1991 flags:# id:int from_id:int to_id:Peer fwd_from_id:flags.2?int fwd_date:flags.2?int reply_to_msg_id:flags.3?int date:int message:string media:MessageMedia = Message",
    "message#c3060325 flags:# id:int from_id:int to_id:Peer fwd_from_id:flags.2?int fwd_date:flags.2?int reply_to_msg_id:flags.3?int date:int message:string media:MessageMedia reply_markup:flags.6?ReplyMarkup = Message",
    "message#f07814c8 flags:# id:int from_id:int to_id:Peer fwd_from_id:flags.2?int fwd_date:flags.2?int reply_to_msg_id:flags.3?int date:int message:string media:MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> = Message",
    "message#5ba66c13 flags:# id:int from_id:flags.8?int to_id:Peer fwd_from_id:flags.2?Peer fwd_date:flags.2?int reply_to_msg_id:flags.3?int date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int = Message",
    "message#c992e15c flags:# id:int from_id:flags.8?int to_id:Peer fwd_from_id:flags.2?Peer fwd_date:flags.2?int via_bot_id:flags.11?int reply_to_msg_id:flags.3?int date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int = Message",
    "message#c09be45f flags:# id:int from_id:flags.8?int to_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?int reply_to_msg_id:flags.3?int date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int edit_date:flags.15?int = Message",
    "message#90dddc11 flags:# id:int from_id:flags.8?int to_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?int reply_to_msg_id:flags.3?int date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int edit_date:flags.15?int post_author:flags.16?string = Message",
    "message#44f9b43d flags:# id:int from_id:flags.8?int to_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?int reply_to_msg_id:flags.3?int date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long = Message",
    "message#1c9b1027 flags:# id:int from_id:flags.8?int to_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?int reply_to_msg_id:flags.3?int date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?string = Message",
    "message#9789dac4 flags:# id:int from_id:flags.8?int to_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?int reply_to_msg_id:flags.3?int date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> = Message",
    "message#452c0e65 flags:# id:int from_id:flags.8?int to_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?int reply_to_msg_id:flags.3?int date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long restriction_reason:flags.22?Vector<RestrictionReason> = Message",
    # Layer 119 on: ``peer_id`` and ``from_id`` are Peers; 64-bit ids from layer 133.
    "message#58ae39c9 flags:# id:int from_id:flags.8?Peer peer_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?int reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long restriction_reason:flags.22?Vector<RestrictionReason> = Message",
    "message#bce383d2 flags:# id:int from_id:flags.8?Peer peer_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?int reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int = Message",
    "message#85d6cbe2 flags:# id:int from_id:flags.8?Peer peer_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int = Message",
    "message#38116ee0 flags:# id:int from_id:flags.8?Peer peer_id:Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int = Message",
    "message#76bec211 flags:# id:int from_id:flags.8?Peer peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int = Message",
    "message#1e4c8a69 flags:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int = Message",
    "message#a66c7efc flags:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int = Message",
    # ``flags2`` from layer 17x.
    "message#2357bf25 flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int = Message",
    "message#bde09c2e flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long = Message",
    "message#94345242 flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long factcheck:flags2.3?FactCheck = Message",
    "message#96fdbbe9 flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long factcheck:flags2.3?FactCheck report_delivery_until_date:flags2.5?int = Message",
    "message#eabcdd4d flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long factcheck:flags2.3?FactCheck report_delivery_until_date:flags2.5?int paid_message_stars:flags2.6?long = Message",
    "message#9815cec8 flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long factcheck:flags2.3?FactCheck report_delivery_until_date:flags2.5?int paid_message_stars:flags2.6?long suggested_post:flags2.7?SuggestedPost = Message",
    "message#b92f76cf flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long factcheck:flags2.3?FactCheck report_delivery_until_date:flags2.5?int paid_message_stars:flags2.6?long suggested_post:flags2.7?SuggestedPost schedule_repeat_period:flags2.10?int = Message",
    "message#9cb490e9 flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long factcheck:flags2.3?FactCheck report_delivery_until_date:flags2.5?int paid_message_stars:flags2.6?long suggested_post:flags2.7?SuggestedPost schedule_repeat_period:flags2.10?int summary_from_language:flags2.11?string = Message",
    "message#3ae56482 flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int from_rank:flags2.12?string peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long factcheck:flags2.3?FactCheck report_delivery_until_date:flags2.5?int paid_message_stars:flags2.6?long suggested_post:flags2.7?SuggestedPost schedule_repeat_period:flags2.10?int summary_from_language:flags2.11?string = Message",
    "message#95ef6f2b flags:# flags2:# id:int from_id:flags.8?Peer from_boosts_applied:flags.29?int from_rank:flags2.12?string peer_id:Peer saved_peer_id:flags.28?Peer fwd_from:flags.2?MessageFwdHeader via_bot_id:flags.11?long via_business_bot_id:flags2.0?long guestchat_via_from:flags2.19?Peer reply_to:flags.3?MessageReplyHeader date:int message:string media:flags.9?MessageMedia reply_markup:flags.6?ReplyMarkup entities:flags.7?Vector<MessageEntity> views:flags.10?int forwards:flags.10?int replies:flags.23?MessageReplies edit_date:flags.15?int post_author:flags.16?string grouped_id:flags.17?long reactions:flags.20?MessageReactions restriction_reason:flags.22?Vector<RestrictionReason> ttl_period:flags.25?int quick_reply_shortcut_id:flags.30?int effect:flags2.2?long factcheck:flags2.3?FactCheck report_delivery_until_date:flags2.5?int paid_message_stars:flags2.6?long suggested_post:flags2.7?SuggestedPost schedule_repeat_period:flags2.10?int summary_from_language:flags2.11?string = Message",
    # Service messages (joins, titles, calls ...): the action instead of text.
    "messageService#9f8d60bb id:int from_id:int to_id:Peer out:Bool unread:Bool date:int action:MessageAction = Message",
    "messageService#1d86f70e flags:int id:int from_id:int to_id:Peer date:int action:MessageAction = Message",
    "messageService#c06b9607 flags:# id:int from_id:flags.8?int to_id:Peer date:int action:MessageAction = Message",
    "messageService#9e19a1f6 flags:# id:int from_id:flags.8?int to_id:Peer reply_to_msg_id:flags.3?int date:int action:MessageAction = Message",
    "messageService#286fa604 flags:# id:int from_id:flags.8?Peer peer_id:Peer reply_to:flags.3?MessageReplyHeader date:int action:MessageAction = Message",
    "messageService#2b085862 flags:# id:int from_id:flags.8?Peer peer_id:Peer reply_to:flags.3?MessageReplyHeader date:int action:MessageAction ttl_period:flags.25?int = Message",
    "messageService#d3d28540 flags:# id:int from_id:flags.8?Peer peer_id:Peer reply_to:flags.3?MessageReplyHeader date:int action:MessageAction reactions:flags.20?MessageReactions ttl_period:flags.25?int = Message",
    "messageService#7a800e0a flags:# id:int from_id:flags.8?Peer peer_id:Peer saved_peer_id:flags.28?Peer reply_to:flags.3?MessageReplyHeader date:int action:MessageAction reactions:flags.20?MessageReactions ttl_period:flags.25?int = Message",
    "messageEmpty#83e5de54 id:int = Message",
    "messageEmpty#90a6ca84 flags:# id:int peer_id:flags.0?Peer = Message",
)

HEADER_DECLARATIONS = (
    "messageFwdHeader#c786ddcb flags:# from_id:flags.0?int date:int channel_id:flags.1?int channel_post:flags.2?int = MessageFwdHeader",
    "messageFwdHeader#fadff4ac flags:# from_id:flags.0?int date:int channel_id:flags.1?int channel_post:flags.2?int post_author:flags.3?string = MessageFwdHeader",
    "messageFwdHeader#559ebe6d flags:# from_id:flags.0?int date:int channel_id:flags.1?int channel_post:flags.2?int post_author:flags.3?string saved_from_peer:flags.4?Peer saved_from_msg_id:flags.4?int = MessageFwdHeader",
    "messageFwdHeader#ec338270 flags:# from_id:flags.0?int from_name:flags.5?string date:int channel_id:flags.1?int channel_post:flags.2?int post_author:flags.3?string saved_from_peer:flags.4?Peer saved_from_msg_id:flags.4?int = MessageFwdHeader",
    "messageFwdHeader#353a686b flags:# from_id:flags.0?int from_name:flags.5?string date:int channel_id:flags.1?int channel_post:flags.2?int post_author:flags.3?string saved_from_peer:flags.4?Peer saved_from_msg_id:flags.4?int psa_type:flags.6?string = MessageFwdHeader",
    "messageFwdHeader#5f777dce flags:# from_id:flags.0?Peer from_name:flags.5?string date:int channel_post:flags.2?int post_author:flags.3?string saved_from_peer:flags.4?Peer saved_from_msg_id:flags.4?int psa_type:flags.6?string = MessageFwdHeader",
    "messageFwdHeader#4e4df4bb flags:# from_id:flags.0?Peer from_name:flags.5?string date:int channel_post:flags.2?int post_author:flags.3?string saved_from_peer:flags.4?Peer saved_from_msg_id:flags.4?int saved_from_id:flags.8?Peer saved_from_name:flags.9?string saved_date:flags.10?int psa_type:flags.6?string = MessageFwdHeader",
    "messageReplyHeader#a6d57763 flags:# reply_to_msg_id:int reply_to_peer_id:flags.0?Peer reply_to_top_id:flags.1?int = MessageReplyHeader",
    "messageReplyHeader#afbc09db flags:# reply_to_msg_id:flags.4?int reply_to_peer_id:flags.0?Peer reply_from:flags.5?MessageFwdHeader reply_media:flags.8?MessageMedia reply_to_top_id:flags.1?int quote_text:flags.6?string quote_entities:flags.7?Vector<MessageEntity> quote_offset:flags.10?int = MessageReplyHeader",
    "messageReplyHeader#6917560b flags:# reply_to_msg_id:flags.4?int reply_to_peer_id:flags.0?Peer reply_from:flags.5?MessageFwdHeader reply_media:flags.8?MessageMedia reply_to_top_id:flags.1?int quote_text:flags.6?string quote_entities:flags.7?Vector<MessageEntity> quote_offset:flags.10?int todo_item_id:flags.11?int = MessageReplyHeader",
    "messageReplyStoryHeader#9c98bfc1 user_id:long story_id:int = MessageReplyHeader",
    "messageReplyStoryHeader#0e5af939 peer:Peer story_id:int = MessageReplyHeader",
    "messageActionPhoneCall#80e11a7f flags:# call_id:long reason:flags.0?PhoneCallDiscardReason duration:flags.1?int = MessageAction",
    "messageMediaDocument#9cb070d7 flags:# document:flags.0?Document ttl_seconds:flags.2?int = MessageMedia",
    "messageMediaDocument#4cf4d72d flags:# document:flags.0?Document alt_document:flags.5?Document ttl_seconds:flags.2?int = MessageMedia",
    "document#87232bc7 id:long access_hash:long date:int mime_type:string size:int thumb:PhotoSize dc_id:int version:int attributes:Vector<DocumentAttribute> = Document",
    "document#9ba29cc1 flags:# id:long access_hash:long file_reference:bytes date:int mime_type:string size:int thumbs:flags.0?Vector<PhotoSize> dc_id:int attributes:Vector<DocumentAttribute> = Document",
    "document#1e87342b flags:# id:long access_hash:long file_reference:bytes date:int mime_type:string size:int thumbs:flags.0?Vector<PhotoSize> video_thumbs:flags.1?Vector<VideoSize> dc_id:int attributes:Vector<DocumentAttribute> = Document",
    "document#8fd4c4d8 flags:# id:long access_hash:long file_reference:bytes date:int mime_type:string size:long thumbs:flags.0?Vector<PhotoSize> video_thumbs:flags.1?Vector<VideoSize> dc_id:int attributes:Vector<DocumentAttribute> = Document",
)

PEERS = {  # constructor: (kind, id bytes)
    0x9DB1BC6D: ("user", 4), 0xBAD0E5BB: ("chat", 4), 0xBDDDE532: ("channel", 4),
    0x59511722: ("user", 8), 0x36C6019A: ("chat", 8), 0xA2A5371E: ("channel", 8),
}
BOOL_TRUE, BOOL_FALSE, VECTOR = 0x997275B5, 0xBC799737, 0x1CB5C415
SECRET_MESSAGES = {0x555555F8, 0x555555F9, 0x555555FA}   # Telegram Android's own, for secret chats
PHOTO_MEDIA = {0x695150D7, 0xB5223B0F, 0x3D8CE53D, 0xC8C45A2A}
EMPTY_MEDIA = {0x3DED6320}
PHONE_CALL_ACTION = 0x80E11A7F
DISCARD_REASONS = {0x85E42301: "missed", 0xE095C1A0: "disconnect", 0x57ADC690: "hangup", 0xFAF7E8C9: "busy"}
# MessageEntity constructors and what follows offset:int length:int (for quote_entities)
ENTITIES = {
    0xBB92BA95: "", 0xFA04579D: "", 0x6F635B0D: "", 0x6CEF8AC7: "", 0x6ED02538: "", 0x64E475C2: "",
    0xBD610BC9: "", 0x826F8B60: "", 0x28A20571: "", 0x73924BE0: "s", 0x76A6D327: "s", 0xDC7B1140: "l",
    0x9B69E34B: "", 0x4C4E743F: "", 0x9C4E7E8B: "", 0xBF0693D4: "", 0x761E6AF4: "", 0x32CA960F: "",
    0xC8CF05F8: "l", 0x020DF5D0: "", 0xF1CCAAAC: "F",
}


def declaration_id(declaration: str) -> int:
    """The constructor id Telegram derives from a declaration: CRC32 of its text without the id,
    with flag-only ``true`` fields removed and ``Vector<X>`` written ``Vector X``."""
    head, rest = declaration.split(" ", 1)
    text = head.split("#", 1)[0] + " " + rest.rstrip(";")
    text = re.sub(r" \w+:flags\d*\.\d+\?true", "", text)
    text = text.replace(":bytes ", ":string ").replace("?bytes ", "?string ")
    text = text.replace("<", " ").replace(">", "").replace("{", "").replace("}", "")
    return zlib.crc32(text.encode("utf-8"))


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    flag_word: str | None = None   # "flags" or "flags2"
    flag_bit: int = 0


@dataclass(frozen=True)
class Layout:
    constructor: int
    name: str
    fields: tuple[Field, ...]
    declaration: str


_FIELD = re.compile(r"^(\w+):(?:(flags2?|flags)\.(\d+)\?)?(.+)$")


def parse_declaration(declaration: str) -> Layout:
    head, rest = declaration.split(" ", 1)
    name, _, hexid = head.partition("#")
    body = rest.split(" = ", 1)[0].split()
    fields = []
    for token in body:
        match = _FIELD.match(token)
        if not match:
            raise ValueError(f"cannot read field {token!r} of {declaration}")
        fname, word, bit, ftype = match.groups()
        fields.append(Field(fname, ftype, word, int(bit) if bit else 0))
    return Layout(int(hexid, 16), name, tuple(fields), declaration)


LAYOUTS: dict[int, Layout] = {}
for _text in MESSAGE_DECLARATIONS + HEADER_DECLARATIONS:
    _layout = parse_declaration(_text)
    LAYOUTS[_layout.constructor] = _layout
MESSAGE_CONSTRUCTORS = frozenset(parse_declaration(text).constructor for text in MESSAGE_DECLARATIONS) | SECRET_MESSAGES


# --- the reader ------------------------------------------------------------------------------------

class TLError(ValueError):
    """The bytes end early or hold something the schema does not allow."""


class TLUnsupported(TLError):
    """A valid structure this reader does not decode (e.g. a full MessageMedia)."""


class TLReader:
    """Little-endian TL primitives over a bytes object; every read is bounds-checked."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, count: int) -> bytes:
        if count < 0 or self.pos + count > len(self.data):
            raise TLError(f"needs {count} bytes at offset {self.pos}, {self.remaining()} left")
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def uint32(self) -> int:
        return struct.unpack_from("<I", self.take(4))[0]

    def int32(self) -> int:
        return struct.unpack_from("<i", self.take(4))[0]

    def int64(self) -> int:
        return struct.unpack_from("<q", self.take(8))[0]

    def bytes_(self) -> bytes:
        """TL ``bytes``/``string``: a 1-byte length (0-253) or 0xFE/0xFF and a 3-byte length,
        the data, then zero padding to a multiple of 4 (Telegram Android reads >= 254 as long)."""
        first = self.take(1)[0]
        if first >= 254:
            length = int.from_bytes(self.take(3), "little")
            header = 4
        else:
            length = first
            header = 1
        data = self.take(length)
        padding = (-(header + length)) % 4
        self.take(padding)
        return data

    def string(self) -> str:
        return self.bytes_().decode("utf-8", errors="replace")

    def boolean(self) -> bool:
        value = self.uint32()
        if value == BOOL_TRUE:
            return True
        if value == BOOL_FALSE:
            return False
        raise TLError(f"0x{value:08x} is not a Bool")


def read_peer(reader: TLReader) -> tuple[str, int]:
    constructor = reader.uint32()
    found = PEERS.get(constructor)
    if found is None:
        raise TLError(f"0x{constructor:08x} is not a Peer")
    kind, size = found
    return kind, (reader.int32() if size == 4 else reader.int64())


def _skip_entities(reader: TLReader) -> None:
    if reader.uint32() != VECTOR:
        raise TLError("expected a Vector of MessageEntity")
    count = reader.int32()
    if count < 0 or count * 12 > reader.remaining():
        raise TLError(f"implausible entity count {count}")
    for _ in range(count):
        constructor = reader.uint32()
        extra = ENTITIES.get(constructor)
        if extra is None:
            raise TLUnsupported(f"MessageEntity 0x{constructor:08x}")
        if extra == "F":
            reader.uint32()
        reader.take(8)
        if extra == "s":
            reader.bytes_()
        elif extra == "l":
            reader.take(8)


# Nested objects read only up to the field that matters (the rest may hold types not decoded here).
_STOP_AT = {"Document": "size"}


def _read_object(reader: TLReader, expected: str, depth: int) -> dict:
    """Read a boxed object of a type given by HEADER_DECLARATIONS (fwd/reply headers, calls)."""
    if depth > 4:
        raise TLError("nesting too deep")
    constructor = reader.uint32()
    layout = LAYOUTS.get(constructor)
    if layout is None or layout.declaration.rsplit("= ", 1)[1].rstrip(";") != expected:
        raise TLUnsupported(f"{expected} 0x{constructor:08x}")
    values = _read_fields(reader, layout, depth + 1, stop=_STOP_AT.get(expected))
    values["_constructor"] = constructor
    return values


def _read_fields(reader: TLReader, layout: Layout, depth: int, stop: str | None, values: dict | None = None) -> dict:
    """Walk a layout's fields in order; return the values read (into ``values`` when given, so a
    caller keeps what was read before an error). Stops after the field named ``stop`` (the text
    of a message) so unsupported trailing types are never touched."""
    values = {} if values is None else values
    for item in layout.fields:
        if item.flag_word is not None:
            word = values.get(item.flag_word, 0)
            if not (word >> item.flag_bit) & 1:
                continue
        kind = item.type
        if kind == "#":
            values[item.name] = reader.uint32()
        elif kind == "int":
            values[item.name] = reader.int32()
        elif kind == "long":
            values[item.name] = reader.int64()
        elif kind == "string":
            values[item.name] = reader.bytes_()
        elif kind == "bytes":
            reader.bytes_()
        elif kind == "Bool":
            values[item.name] = reader.boolean()
        elif kind == "Peer":
            values[item.name] = read_peer(reader)
        elif kind in ("MessageFwdHeader", "MessageReplyHeader", "PhoneCallDiscardReason", "Document"):
            if kind == "PhoneCallDiscardReason":
                constructor = reader.uint32()
                values[item.name] = DISCARD_REASONS.get(constructor, f"0x{constructor:08x}")
                if constructor not in DISCARD_REASONS:
                    raise TLUnsupported(f"PhoneCallDiscardReason 0x{constructor:08x}")
            else:
                values[item.name] = _read_object(reader, kind, depth)
        elif kind == "Vector<MessageEntity>":
            _skip_entities(reader)
        else:
            raise TLUnsupported(f"{kind} ({item.name})")
        if item.name == stop:
            break
    return values


# --- decoded objects ---------------------------------------------------------------------------------

@dataclass
class TLMessage:
    """What :func:`decode_message` could read from one blob. ``status``: ``ok`` (read up to and
    including the text, and the media kind), ``partial`` (stopped early; ``error`` says why, the
    fields read before are kept), ``unknown`` (constructor not supported), ``error`` (not a TL
    Message at all: empty, truncated or garbage)."""

    constructor: int | None = None
    kind: str = "unknown"              # message, service, empty, unknown
    status: str = "error"
    id: int | None = None
    out: bool | None = None
    from_peer: tuple[str, int] | None = None
    peer: tuple[str, int] | None = None
    date: int | None = None
    text: str | None = None
    media: str | None = None           # photo, document, other
    media_constructor: int | None = None
    mime_type: str | None = None
    size: int | None = None
    call: dict | None = None           # video, duration, reason, call_id
    error: str | None = None
    fields: dict = field(default_factory=dict)


def decode_message(blob: object) -> TLMessage:
    """Decode a ``messages``/``messages_v2`` ``data`` blob. Never raises: damage and unsupported
    structures are reported in ``status``/``error``."""
    result = TLMessage()
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        result.error = f"data is {type(blob).__name__}, not a BLOB"
        return result
    data = bytes(blob)
    if len(data) < 4:
        result.error = f"{len(data)} bytes: too short for a constructor"
        return result
    reader = TLReader(data)
    try:
        constructor = reader.uint32()
        result.constructor = constructor
        if constructor in SECRET_MESSAGES:
            _decode_secret(reader, result)
        else:
            layout = LAYOUTS.get(constructor)
            if layout is None or constructor not in MESSAGE_CONSTRUCTORS:
                result.status = "unknown"
                result.error = f"unknown Message constructor 0x{constructor:08x}"
                return result
            result.kind = {"message": "message", "messageForwarded": "message", "messageService": "service",
                           "messageEmpty": "empty"}[layout.name]
            stop = {"message": "message", "service": "date", "empty": None}[result.kind]
            values = result.fields
            try:
                _read_fields(reader, layout, 0, stop, values)
            finally:
                _fill(result, values)
            if result.kind == "message":
                _decode_media(reader, layout, values, result)
            elif result.kind == "service":
                _decode_action(reader, result)
        result.status = "ok"
    except TLError as exc:
        result.status = "partial" if result.kind != "unknown" and result.constructor is not None else "error"
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - the reader must never raise past the plugin
        result.status = "error"
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def _fill(result: TLMessage, values: dict) -> None:
    flags = values.get("flags")
    if isinstance(flags, int) and "out" not in values:
        result.out = bool(flags & 2)
    elif "out" in values:
        result.out = bool(values["out"])
    result.id = values.get("id")
    sender = values.get("from_id")
    if isinstance(sender, tuple):
        result.from_peer = sender
    elif isinstance(sender, int) and sender:
        result.from_peer = ("user", sender)
    peer = values.get("peer_id", values.get("to_id"))
    if isinstance(peer, tuple):
        result.peer = peer
    result.date = values.get("date")
    text = values.get("message")
    if isinstance(text, bytes):
        result.text = text.decode("utf-8", errors="replace")


def _decode_action(reader: TLReader, result: TLMessage) -> None:
    """The MessageAction of a service message: a phone call is decoded, others are named only."""
    constructor = reader.uint32()
    result.fields["action"] = constructor
    if constructor != PHONE_CALL_ACTION:
        return
    action: dict = {}
    try:
        _read_fields(reader, LAYOUTS[PHONE_CALL_ACTION], 1, None, action)
    except TLUnsupported:
        pass   # a discard reason added after this reader (it may carry data): keep what came before
    flags = action.get("flags", 0)
    result.call = {"video": bool(flags & 4), "duration": action.get("duration"), "reason": action.get("reason"),
                   "call_id": action.get("call_id")}


def _decode_secret(reader: TLReader, result: TLMessage) -> None:
    """Telegram Android's local secret-chat message: flags id ttl from_id to_id date message
    media ... (``from_id`` is 32-bit in old rows and 64-bit since 64-bit user ids; the Peer that
    follows tells which)."""
    result.kind = "message"
    flags = reader.uint32()
    result.out = bool(flags & 2)
    result.id = reader.int32()
    reader.int32()  # ttl
    start = reader.pos
    for size in (8, 4):
        reader.pos = start
        try:
            sender = reader.int64() if size == 8 else reader.int32()
            result.peer = read_peer(reader)
            break
        except TLError:
            continue
    else:
        raise TLError("secret message: no Peer after from_id")
    result.from_peer = ("user", sender) if sender else None
    result.date = reader.int32()
    result.text = reader.string()
    _decode_media_object(reader, result)


def _decode_media(reader: TLReader, layout: Layout, values: dict, result: TLMessage) -> None:
    names = [item.name for item in layout.fields]
    if "media" not in names:
        return
    media_field = layout.fields[names.index("media")]
    if media_field.flag_word is not None and not (values.get(media_field.flag_word, 0) >> media_field.flag_bit) & 1:
        return
    try:
        _decode_media_object(reader, result)
    except TLError:
        if result.media is None:
            result.media = "other"


def _decode_media_object(reader: TLReader, result: TLMessage) -> None:
    constructor = reader.uint32()
    result.media_constructor = constructor
    if constructor in EMPTY_MEDIA:
        return
    if constructor in PHOTO_MEDIA:
        result.media = "photo"
        result.mime_type = "image/jpeg"
        return
    layout = LAYOUTS.get(constructor)
    if layout is None or layout.name != "messageMediaDocument":
        result.media = "other"
        return
    result.media = "document"
    values = _read_fields(reader, layout, 1, stop="document")
    document = values.get("document")
    if isinstance(document, dict):
        mime = document.get("mime_type")
        result.mime_type = mime.decode("utf-8", errors="replace") if isinstance(mime, bytes) else None
        result.size = document.get("size")


# --- users and chats --------------------------------------------------------------------------------

@dataclass(frozen=True)
class TLUser:
    id: int
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None
    is_self: bool = False
    constructor: int = 0

    @property
    def display_name(self) -> str | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or None


_USER_EMPTY = {0x200250BA: 4, 0xD3BC4B7C: 8}
# Chat-table constructors with a known prefix: (has flags, id bytes, access_hash: "never"/"always"/"flag13")
_CHAT_PREFIX = {
    0xD91CDD54: (True, 4, "never"), 0x3BDA1BDE: (True, 4, "never"), 0x41CBF256: (True, 8, "never"),      # chat
    0x07328BDB: (False, 4, "never"), 0x6592A1A7: (False, 8, "never"),                                  # chatForbidden
    0x289DA732: (True, 4, "always"), 0x17D493D5: (True, 8, "always"),                                  # channelForbidden
    0xD31A961E: (True, 4, "flag13"), 0x8261AC61: (True, 8, "flag13"),                                  # channel
}


def _strict_text(raw: bytes) -> str:
    return raw.decode("utf-8")   # raises UnicodeDecodeError: a wrong layout guess is rejected


def decode_user(blob: object, uid: int | None = None) -> TLUser | None:
    """The name, username and phone of a cached TL ``User``. Every ``user`` constructor starts
    ``flags:# [flags2:#] id access_hash:flags.0?long first_name:flags.1?string
    last_name:flags.2?string username:flags.3?string phone:flags.4?string`` (``self`` is flags.10);
    the layouts are tried and the one whose id equals the row's ``uid`` and whose strings are
    valid UTF-8 wins. None when no layout fits. Never raises."""
    try:
        data = bytes(blob) if isinstance(blob, (bytes, bytearray, memoryview)) else b""
        if len(data) < 8:
            return None
        constructor = struct.unpack_from("<I", data)[0]
        if constructor in _USER_EMPTY:
            return None
        for has_flags2, id_size in ((False, 8), (True, 8), (False, 4), (True, 4)):
            try:
                reader = TLReader(data, 4)
                flags = reader.uint32()
                if has_flags2:
                    reader.uint32()
                user_id = reader.int64() if id_size == 8 else reader.int32()
                if uid is not None and user_id != uid:
                    continue
                if flags & 1:
                    reader.int64()
                parts = []
                for bit in (1, 2, 3, 4):
                    parts.append(_strict_text(reader.bytes_()) if flags >> bit & 1 else None)
                first, last, username, phone = parts
                if phone is not None and not phone.replace("+", "").isdigit():
                    continue
                return TLUser(id=user_id, first_name=first, last_name=last, username=username, phone=phone,
                              is_self=bool(flags >> 10 & 1), constructor=constructor)
            except (TLError, UnicodeDecodeError):
                continue
    except Exception:  # noqa: BLE001 - never raise past the plugin
        return None
    return None


def decode_chat(blob: object, uid: int | None = None) -> str | None:
    """The title of a cached TL ``Chat`` (group, channel, forbidden ones), checked like
    :func:`decode_user`. None when no layout fits. Never raises."""
    try:
        data = bytes(blob) if isinstance(blob, (bytes, bytearray, memoryview)) else b""
        if len(data) < 8:
            return None
        constructor = struct.unpack_from("<I", data)[0]
        known = _CHAT_PREFIX.get(constructor)
        candidates = [known] if known else [(True, 8, "flag13"), (True, 4, "flag13")]
        for has_flags, id_size, hash_mode in candidates:
            for has_flags2 in ((False,) if known else (False, True)):
                try:
                    reader = TLReader(data, 4)
                    flags = reader.uint32() if has_flags else 0
                    if has_flags2:
                        reader.uint32()
                    chat_id = reader.int64() if id_size == 8 else reader.int32()
                    if uid is not None and chat_id != abs(uid):
                        continue
                    if hash_mode == "always" or (hash_mode == "flag13" and flags >> 13 & 1):
                        reader.int64()
                    return _strict_text(reader.bytes_())
                except (TLError, UnicodeDecodeError):
                    continue
    except Exception:  # noqa: BLE001
        return None
    return None


# --- the plugin ---------------------------------------------------------------------------------------

def handle(kind: str, ident: int) -> str | None:
    """A person's identifier (the user id as text); None for groups and channels."""
    return str(ident) if kind == "user" else None


ENCRYPTED_FLAG = 0x4000000000000000
MAX_WARNINGS = 20          # distinct constructor ids / kinds of damage reported one by one
_DIGITS = re.compile(r"\d+")


def is_secret_dialog(uid: int) -> bool:
    """Telegram Android's dialog id of a secret chat: ``0x4000000000000000 | chat id`` since 8.x
    (``DialogObject.makeEncryptedDialogId``), ``chat id << 32`` before (low 32 bits zero)."""
    return uid > 0 and (bool(uid & ENCRYPTED_FLAG) or (uid > 0xFFFFFFFF and uid & 0xFFFFFFFF == 0))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class TelegramCache(Extractor):
    name = "android.telegram.cache4"
    version = "1.0.0"
    description = "Telegram Android cache4.db: messages (TL blobs), calls, cached users and the owner."
    selects = [
        Select(glob="**/org.telegram.messenger*/files/**/cache4.db"),
        Select(sqlite_tables={"messages_v2": ["mid", "uid", "date", "data", "out"], "users": ["uid", "data"]}),
        Select(sqlite_tables={"messages": ["mid", "uid", "date", "data", "out"], "users": ["uid", "data"],
                              "dialogs": ["did"]}),
    ]
    kinds = [Message, Call, Contact, Account]
    time_limit = 1800.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Message | Call | Contact | Account | PluginWarning]:
        if not ctx.read_bytes(limit=16).startswith(SQLITE_MAGIC):
            yield ctx.warning(f"{APP}: {source.name} is not a plain SQLite database; nothing read",
                              code="sqlite.not_sqlite")
            return
        try:
            conn = ctx.open_sqlite()
            conn.row_factory = None
            # Only the search-name columns are TEXT here; invalid UTF-8 in them must not stop the read.
            conn.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
            tables = {name.lower(): name for (name,) in
                      conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
            columns = {table: {row[1].lower() for row in conn.execute(f"PRAGMA table_info({_quote(real)})")}
                       for table, real in tables.items() if table in ("messages_v2", "messages", "users", "chats")}
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: {source.name} cannot be opened as SQLite: {exc}", code="sqlite.corrupt")
            return
        message_table = next((t for t in ("messages_v2", "messages") if t in columns), None)
        needed = {"mid", "uid", "date", "data", "out"}
        if message_table is None or not needed <= columns[message_table]:
            missing = sorted(needed - columns.get(message_table or "", set())) if message_table else ["messages_v2"]
            yield ctx.warning(f"{APP}: unknown cache4.db schema version, missing {', '.join(missing)}",
                              code="schema.unknown_version", app=APP, missing=missing)
            return
        try:
            users, owner = yield from _read_users(ctx, conn, columns)
            chats = _read_chats(conn, columns)
            if message_table == "messages_v2" and "messages" in columns:
                old = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
                if old:
                    yield ctx.warning(f"{APP}: the old 'messages' table also holds {old} rows; only messages_v2 "
                                      f"was read", code="telegram.old_table_not_read", rows=old)
            yield from _read_messages(ctx, conn, message_table, users, chats, owner)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{APP}: reading stopped, the database is damaged: {exc}", code="sqlite.corrupt")


def _read_users(ctx: Context, conn, columns):
    users: dict[int, TLUser | str] = {}
    owner = None
    if not {"uid", "data"} <= columns.get("users", set()):
        return users, owner
    name_col = "name" if "name" in columns["users"] else "NULL"
    undecoded = 0
    for rowid, uid, search_name, data in conn.execute(f"SELECT rowid, uid, {name_col}, data FROM users ORDER BY uid"):
        user = decode_user(data, uid if isinstance(uid, int) else None)
        locator = ctx.locate(table="users", rowid=rowid)
        if user is None:
            undecoded += 1
            name = _search_name(search_name)
            users[uid] = name or ""
            if isinstance(uid, int):
                yield Contact(app=APP, display_name=name, handles=(str(uid),), locator=locator)
            continue
        users[uid] = user
        handles = tuple(value for value in (str(user.id), f"@{user.username}" if user.username else None) if value)
        phones = (user.phone,) if user.phone else ()
        if user.is_self:
            owner = user
            yield Account(app=APP, identifier=str(user.id), display_name=user.display_name,
                          phone=("+" + user.phone.lstrip("+")) if user.phone else None, locator=locator)
            continue
        e164 = ctx.e164("+" + user.phone.lstrip("+")) if user.phone else None
        yield Contact(app=APP, display_name=user.display_name, phones=phones, phones_e164=(e164,) if e164 else (),
                      handles=handles, locator=locator)
    if undecoded:
        yield ctx.warning(f"{APP}: {undecoded} cached users could not be decoded from their TL blob; their name is "
                          f"the lower-cased search name", code="telegram.user_not_decoded", rows=undecoded)
    return users, owner


def _search_name(value) -> str | None:
    """users.name / chats.name: Telegram's lower-cased search key, "first last;;;username"."""
    if not isinstance(value, str) or not value:
        return None
    return value.split(";;;", 1)[0].strip() or None


def _read_chats(conn, columns) -> dict[int, str]:
    chats: dict[int, str] = {}
    if not {"uid", "data"} <= columns.get("chats", set()):
        return chats
    name_col = "name" if "name" in columns["chats"] else "NULL"
    for uid, search_name, data in conn.execute(f"SELECT uid, {name_col}, data FROM chats"):
        title = decode_chat(data, uid if isinstance(uid, int) else None) or _search_name(search_name)
        if title and isinstance(uid, int):
            chats[uid] = title
    return chats


def _read_messages(ctx: Context, conn, table: str, users, chats, owner: TLUser | None) -> Iterator:
    unknown: Counter = Counter()
    partial: Counter = Counter()
    first_row: dict = {}
    skipped: Counter = Counter()
    owner_handle = str(owner.id) if owner else None
    unix_s = ctx.time.unix_s
    locate = ctx.locate
    try:
        cursor = conn.execute(f"SELECT rowid, mid, uid, date, data, out FROM {table} ORDER BY rowid")
        with_rowid = True
    except sqlite3.OperationalError:
        cursor = conn.execute(f"SELECT NULL, mid, uid, date, data, out FROM {table}")
        with_rowid = False
    for rowid, mid, uid, date, data, out in cursor:
        decoded = decode_message(data)
        locator = locate(table=table, rowid=rowid) if with_rowid else locate(table=table, pointer=f"mid={mid};uid={uid}")
        if decoded.status == "unknown" or (decoded.status == "error" and decoded.constructor is not None
                                           and decoded.kind == "unknown"):
            key = f"0x{decoded.constructor:08x}" if decoded.constructor is not None else "none"
            unknown[key] += 1
            first_row.setdefault(key, rowid if with_rowid else mid)
        elif decoded.status in ("partial", "error"):
            reason = _DIGITS.sub("N", decoded.error or "unreadable")    # one warning per kind of damage
            partial[reason] += 1
            first_row.setdefault(reason, (rowid if with_rowid else mid, decoded.error))
        if decoded.kind == "empty":
            skipped["empty (deleted) message rows"] += 1
            continue
        uid = uid if isinstance(uid, int) else None
        outgoing = bool(out) if out is not None else decoded.out
        direction = OUTGOING if outgoing else INCOMING if outgoing is not None else UNKNOWN
        peer = decoded.peer
        secret = uid is not None and is_secret_dialog(uid)
        private = uid is not None and uid > 0 and not secret
        if private:
            other = str(uid)
        elif peer and peer[0] == "user":
            other = handle(*peer)           # a secret chat: the peer is the other person (or us)
        else:
            other = None
        if other is not None and other == owner_handle and decoded.from_peer:
            other = handle(*decoded.from_peer)
        sent = unix_s(date) if date is not None else unix_s(decoded.date)
        if decoded.kind == "service":
            if decoded.call is None:
                skipped["service rows (joins, title changes, pins)"] += 1
                continue
            call = decoded.call
            reason = call.get("reason")
            duration = call.get("duration")
            yield Call(app=APP, parties=(other,) if other else (), account=owner_handle, direction=direction,
                       start=sent, duration_s=float(duration) if isinstance(duration, int) else None,
                       video=bool(call.get("video")),
                       missed=True if reason in ("missed", "busy") else
                       (False if isinstance(duration, int) and duration > 0 else None),
                       locator=locator)
            continue
        group = uid is not None and uid < 0
        if outgoing:
            sender = owner_handle
            recipients = (other,) if other and not group else ()
        else:
            sender = (handle(*decoded.from_peer) if decoded.from_peer else None) or (other if not group else None)
            recipients = (owner_handle,) if owner_handle and not group else ()
        attachments = ()
        if decoded.media in ("photo", "document"):
            attachments = (Attachment(mime_type=decoded.mime_type,
                                      size=decoded.size if isinstance(decoded.size, int) and decoded.size >= 0
                                      else None),)
        thread_name = None
        if uid is not None and not secret:
            entry = users.get(uid) if uid > 0 else chats.get(-uid)
            thread_name = entry.display_name if isinstance(entry, TLUser) else (entry or None)
        yield Message(app=APP, body=decoded.text or None, account=owner_handle,
                      thread_id=str(uid) if uid is not None else None, thread_name=thread_name, sender=sender,
                      recipients=recipients, direction=direction, sent=sent, attachments=attachments,
                      locator=locator)
    for key, count in unknown.most_common(MAX_WARNINGS):
        yield ctx.warning(f"{APP}: unknown TL constructor {key} in {count} {table} rows (first row {first_row[key]}); "
                          f"reported from the row's columns (date, direction, dialog) without text",
                          code="telegram.unknown_constructor", constructor=key, rows=count)
    for reason, count in partial.most_common(MAX_WARNINGS):
        row, example = first_row[reason]
        yield ctx.warning(f"{APP}: {count} {table} rows only partly decoded ({example}); first row {row}",
                          code="telegram.partial_decode", rows=count, reason=reason)
    rest = sum(count for _key, count in unknown.most_common()[MAX_WARNINGS:]) + \
        sum(count for _key, count in partial.most_common()[MAX_WARNINGS:])
    if rest:
        yield ctx.warning(f"{APP}: {rest} more {table} rows with other unknown constructors or damage (warnings "
                          f"capped at {MAX_WARNINGS} kinds each)", code="telegram.more_damage", rows=rest)
    if skipped:
        parts = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
        yield ctx.warning(f"{APP}: rows that are not messages were left out: {parts}", code="telegram.skipped")
