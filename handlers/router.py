"""Routes a decision or a pressed button to its handler."""

from __future__ import annotations

from bot.messages import Reply
from handlers import menu, replies
from handlers.context import HandlerContext
from handlers.payloads import HANDOFF, category_of, faq_slug
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
            return await replies.order_status(context)
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
    if payload == HANDOFF:
        return await replies.handoff(context)
    return await menu.categories(context)  # the menu button, and keyboards from old versions
