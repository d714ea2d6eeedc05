"""What a handler gets besides the message: the decision, the language and the ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.privacy import ChatPrivacy
from crm_bridge.business_hours import BusinessHours
from crm_bridge.crm import CrmOutbox, NoCrm
from crm_bridge.handoff import HandoffDesk
from faq.ports import FaqRepository
from nlu.decision import Decision
from nlu.ports import NluResult
from orders.ports import OrderProvider
from orders.verification import VerificationMemory


@dataclass(frozen=True, slots=True)
class HandlerContext:
    """Everything a handler may use; handlers never reach for anything else."""

    language: str
    faq: FaqRepository
    orders: OrderProvider
    verification: VerificationMemory
    handoffs: HandoffDesk
    business_hours: BusinessHours
    conversation_id: int
    message_id: str  # of the message being answered (a handoff remembers who asked)
    now: float  # epoch seconds, for verification locks and business hours
    today: date  # the customer's day (Europe/Berlin), for late deliveries
    decision: Decision | None = None
    nlu: NluResult | None = None
    misses_in_a_row: int = 0  # earlier consecutive messages the bot did not understand
    text: str = ""  # what the customer wrote (order numbers in it)
    sender_phone: str | None = None  # WhatsApp: the number the customer writes from
    crm: CrmOutbox = field(default_factory=NoCrm)  # told about handoffs (crm_bridge/crm.py)
    privacy: ChatPrivacy | None = None  # the customer's data of this chat (bot/privacy.py)
