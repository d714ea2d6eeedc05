"""Routes a decision or a pressed button to its handler."""

from __future__ import annotations

from bot.messages import Reply
from handlers import menu, order_status, replies
from handlers.context import HandlerContext
from handlers.payloads import HANDOFF, MY_ORDERS, category_of, faq_slug, handoff_order, order_of
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
        case Action.HANDOFF:
            return await replies.handoff(context)
        case Action.ORDER_STATUS:
            return await order_status.order_status(context)
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
    order_id = order_of(payload)
    if order_id is not None:
        return await order_status.show_order(order_id, context)
    if payload == MY_ORDERS:
        return await order_status.my_orders(context)
    if payload == HANDOFF or handoff_order(payload) is not None:
        return await replies.handoff(context)
    return await menu.categories(context)  # the menu button, and keyboards from old versions
