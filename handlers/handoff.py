"""Handing the conversation to people: queue it (or, outside business hours, note a
callback), tell the customer where they stand, and let them withdraw while queued."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_date

from bot.messages import Button, Reply
from crm_bridge.crm import closed, handed_over
from crm_bridge.handoff import HandoffReason, HandoffRequest
from handlers import menu
from handlers.context import HandlerContext
from handlers.customers import verified_customer
from handlers.payloads import CANCEL_HANDOFF
from handlers.texts import text

# What a customer types to withdraw a queued request (the button sends CANCEL_HANDOFF).
CANCEL_WORDS = frozenset(
    {"abbrechen", "abbruch", "stopp", "stop", "cancel", "zurückziehen", "withdraw", "egal"}
)
DAY_FORMATS = {"de": ("EEEE, d. MMMM", "de_DE"), "en": ("EEEE d MMMM", "en_GB")}


def wants_to_cancel(text_or_payload: str) -> bool:
    """The customer withdraws their request for a person."""
    words = text_or_payload.casefold().strip(" .!")
    return text_or_payload == CANCEL_HANDOFF or words in CANCEL_WORDS


async def hand_over(
    context: HandlerContext, reason: HandoffReason, order_id: str = "", lead: str = ""
) -> list[Reply]:
    """Queue the conversation for a person; the customer learns their place in the queue,
    or when someone will answer if nobody is at work. `lead` names the text that says why
    the bot hands over, when the customer did not ask for it."""
    language = context.language
    moment = datetime.fromtimestamp(context.now, UTC)
    customer = await verified_customer(context)
    handoff = await context.handoffs.request(
        HandoffRequest(
            conversation_id=context.conversation_id,
            requested_by=context.message_id,
            reason=reason,
            language=language,
            callback=not context.business_hours.is_open(moment),
            order_id=order_id,
            customer_number=customer.number if customer else "",
            tier=customer.tier if customer else "",
        )
    )
    if handoff.request.requested_by == context.message_id:  # new (or this very request again)
        await context.crm.publish(handed_over(handoff, context.now))
    if handoff.request.callback:
        opening = context.business_hours.next_opening(moment)
        day_format, locale = DAY_FORMATS.get(language, DAY_FORMATS["de"])
        when = text("next_opening", language).format(
            day=format_date(opening.date(), day_format, locale=locale),
            time=opening.strftime("%H:%M"),
        )
        status = text("handoff_callback", language).format(when=when)
    else:
        status = text("handoff_queued", language).format(position=handoff.position)
    cancel = Button(text("button_cancel_handoff", language), CANCEL_HANDOFF)
    why = f"{text(lead, language)} " if lead else ""
    return [Reply(f"{why}{text('handoff', language)} {status}", (cancel,))]


async def withdraw(context: HandlerContext) -> list[Reply]:
    """The customer no longer waits for a person; the bot is back (or was never away)."""
    waiting = await context.handoffs.open_handoff(context.conversation_id)
    if waiting is not None and await context.handoffs.cancel(context.conversation_id):
        await context.crm.publish(closed(waiting, "cancelled", context.now))
        return [Reply(text("handoff_cancelled", context.language))]
    return await menu.categories(context)
