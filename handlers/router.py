"""Routes a decision or a pressed button to its handler."""

from __future__ import annotations

from bot.messages import Reply
from crm_bridge.handoff import HandoffReason
from handlers import handoff, menu, order_status, privacy, replies
from handlers.context import HandlerContext
from handlers.payloads import (
    CANCEL_HANDOFF,
    HANDOFF,
    MY_ORDERS,
    PRIVACY_PAYLOADS,
    category_of,
    faq_slug,
    handoff_order,
    order_of,
    rating_of,
)
from handlers.texts import text
from nlu.decision import Action, Decision


async def respond_to_decision(decision: Decision, context: HandlerContext) -> list[Reply]:
    """The replies for what the decision policy chose."""
    match decision.action:
        case Action.ANSWER_FAQ if decision.faq:
            return await replies.answer_faq(decision.faq, context)
        case Action.CLARIFY:
            return await replies.clarify(decision.alternatives, context)
        case Action.SMALLTALK:
            return await replies.smalltalk(decision.intent, context)
        case Action.HANDOFF if decision.intent == "complaint":
            return await handoff.hand_over(context, HandoffReason.COMPLAINT)
        case Action.HANDOFF:
            return await handoff.hand_over(context, HandoffReason.REQUESTED)
        case Action.ORDER_STATUS:
            return await order_status.order_status(context)
        case _ if context.misses_in_a_row > 0:  # the second miss in a row: no more guessing
            return await handoff.hand_over(
                context, HandoffReason.NOT_UNDERSTOOD, lead="fallback_handoff"
            )
        case _:
            return await replies.fallback(context)


async def respond_to_button(payload: str, context: HandlerContext) -> list[Reply]:
    """The replies for a pressed button; unknown payloads (old keyboards) get the fallback."""
    slug = faq_slug(payload)
    if slug is not None:
        return await replies.answer_faq(slug, context)
    category = category_of(payload)
    if category is not None:
        return await menu.topics(category, context)
    stars = rating_of(payload)
    if stars is not None:
        await context.handoffs.rate(context.conversation_id, stars)
        return [Reply(text("rating_thanks", context.language))]
    order_id = order_of(payload)
    if order_id is not None:
        return await order_status.show_order(order_id, context)
    if payload == MY_ORDERS:
        return await order_status.my_orders(context)
    about_order = handoff_order(payload)
    if about_order is not None:
        return await handoff.hand_over(context, HandoffReason.ORDER_PROBLEM, about_order)
    if payload == HANDOFF:
        return await handoff.hand_over(context, HandoffReason.REQUESTED)
    if payload == CANCEL_HANDOFF:
        return await handoff.withdraw(context)
    if payload in PRIVACY_PAYLOADS:
        return await privacy.confirmed(payload, context)
    return await menu.categories(context)  # the menu button, and keyboards from old versions
