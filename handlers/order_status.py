"""Order status for verified customers only (rules in orders/verification.py).

Every way in ends here: an order number typed alone, "where is my order?" with or without a
number, the postal code the bot asked for, an order or "my orders" button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from babel.dates import format_date

from bot.messages import Button, Reply
from crm_bridge.handoff import HandoffReason
from handlers import handoff
from handlers.context import HandlerContext
from handlers.customers import customer_of
from handlers.payloads import MY_ORDERS, handoff_about, order_payload
from handlers.replies import person_button
from handlers.texts import text
from orders.model import (
    ORDER_STATUS_NAMES,
    Customer,
    Order,
    OrderStatus,
    as_postal_code,
    find_order_id,
    postal_code_matches,
)
from orders.ports import OrderSystemUnavailableError
from orders.verification import Awaiting, VerificationState

# Tracking pages of the parcel carriers; anything else is a freight forwarder, who phones.
TRACKING_LINKS = {
    "DHL": {
        "de": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={}",
        "en": "https://www.dhl.de/en/privatkunden/pakete-empfangen/verfolgen.html?piececode={}",
    },
    "DPD": {
        "de": "https://tracking.dpd.de/status/de_DE/parcel/{}",
        "en": "https://tracking.dpd.de/status/en_US/parcel/{}",
    },
    "GLS": {
        "de": "https://gls-group.com/DE/de/paketverfolgung?match={}",
        "en": "https://gls-group.com/DE/en/parcel-tracking?match={}",
    },
}
LOCALES = {"de": "de_DE", "en": "en_GB"}
RECENT_ORDERS = 5


async def answer_without_nlu(context: HandlerContext) -> list[Reply] | None:
    """The postal code the bot asked for, or an order number sent on its own (or when the
    bot asked for one): no intent model needed. None when the text is something else."""
    code, order_id = as_postal_code(context.text), find_order_id(context.text)
    if not (code or order_id):
        return None  # most messages: no need to look at the verification state
    state = await context.verification.load()
    if code and state.awaiting is Awaiting.POSTAL_CODE:
        return await _guarded(context, lambda: _check_postal_code(code, state, context))
    if order_id and (_only_an_order_id(context.text) or state.awaiting is Awaiting.ORDER_ID):
        return await show_order(order_id, context)
    return None


async def order_status(context: HandlerContext) -> list[Reply]:
    """ "Where is my order?": the named order, else the verified customer's orders, else ask
    for the order number."""
    recognised = context.nlu.entity("order_id") if context.nlu else None
    order_id = find_order_id(recognised or context.text)
    if order_id:
        return await show_order(order_id, context)
    return await my_orders(context)


async def show_order(order_id: str, context: HandlerContext) -> list[Reply]:
    """The order's status if the contact is verified as its customer, else the question
    that verifies them."""
    return await _guarded(context, lambda: _show_order(order_id, context))


async def my_orders(context: HandlerContext) -> list[Reply]:
    """The verified customer's recent orders as buttons, or the question for a number."""
    return await _guarded(context, lambda: _my_orders(context))


async def _show_order(order_id: str, context: HandlerContext) -> list[Reply]:
    state = await context.verification.load()
    if state.is_locked(context.now):
        return _locked(context)
    customer = await customer_of(state, context)
    if customer is None:
        await context.verification.save(state.asking_postal_code_for(order_id))
        return [_ask_postal_code(context.language)]
    await context.verification.save(state.verified_as(customer.number))
    return await _own_order(order_id, customer, context)


async def _my_orders(context: HandlerContext) -> list[Reply]:
    state = await context.verification.load()
    if state.is_locked(context.now):
        return _locked(context)
    customer = await customer_of(state, context)
    if customer is None:
        await context.verification.save(state.asking_order_id())
        return [Reply(text("order_ask_number", context.language))]
    await context.verification.save(state.verified_as(customer.number))
    orders = await context.orders.recent_orders(customer.number, RECENT_ORDERS)
    if not orders:
        return [Reply(text("order_none", context.language), (person_button(context.language),))]
    buttons = tuple(
        Button(
            f"{o.order_id} · {_status_name(o.status, context.language)}", order_payload(o.order_id)
        )
        for o in orders
    )
    return [Reply(text("order_list", context.language), buttons)]


async def verify_by_phone(phone: str, context: HandlerContext) -> list[Reply]:
    """The customer shared their own phone number (Telegram): if it is a customer's, they are
    verified and see the order they asked about, or their recent orders."""
    return await _guarded(context, lambda: _verify_by_phone(phone, context))


async def _verify_by_phone(phone: str, context: HandlerContext) -> list[Reply]:
    language = context.language
    state = await context.verification.load()
    if state.is_locked(context.now):
        return _locked(context)
    if not phone:
        return [Reply(text("order_phone_not_own", language), share_phone_button=_share(language))]
    customer = await context.orders.customer_by_phone(phone)
    if customer is None:
        return [Reply(text("order_phone_unknown", language))]
    await context.verification.save(state.verified_as(customer.number))
    if not state.pending_order:
        return await _my_orders(context)
    return await _own_order(state.pending_order, customer, context)


async def _check_postal_code(
    code: str, state: VerificationState, context: HandlerContext
) -> list[Reply]:
    if state.is_locked(context.now):
        return _locked(context)
    order = await context.orders.order(state.pending_order) if state.pending_order else None
    customer = await context.orders.customer(order.customer_number) if order else None
    if order is None or customer is None or not postal_code_matches(code, customer):
        failed = state.failed(context.now)
        await context.verification.save(failed)
        if failed.is_locked(context.now):  # the third miss: only a person can help now
            return await handoff.hand_over(
                context, HandoffReason.ORDER_LOOKUP_FAILED, lead="order_locked_handoff"
            )
        return _not_found(context)
    await context.verification.save(state.verified_as(customer.number))
    return [_status_reply(order, context)]


async def _own_order(order_id: str, customer: Customer, context: HandlerContext) -> list[Reply]:
    """The order's status if it is this customer's; anyone else's looks like no order."""
    order = await context.orders.order(order_id)
    if order is None or order.customer_number != customer.number:
        return _not_found(context)
    return [_status_reply(order, context)]


def _status_reply(order: Order, context: HandlerContext) -> Reply:
    language = context.language
    lines = [
        text("order_title", language).format(
            order_id=order.order_id, created=_date(order.created_at, language, "medium")
        ),
        _status_text(order, language),
        *(f"• {item}" for item in order.items),
    ]
    buttons: list[Button] = []
    if order.is_late(context.today):
        lines.append(text("order_late", language))
        buttons.append(Button(text("button_person", language), handoff_about(order.order_id)))
    elif order.status in {OrderStatus.SHIPPED, OrderStatus.DELIVERED}:
        buttons.append(
            Button(text("button_delivery_problem", language), handoff_about(order.order_id))
        )
    buttons.append(Button(text("button_my_orders", language), MY_ORDERS))
    return Reply("\n".join(lines), tuple(buttons))


def _status_text(order: Order, language: str) -> str:
    eta = _date(order.eta, language, "full") if order.eta else text("eta_unknown", language)
    if order.status is OrderStatus.SHIPPED:
        link = TRACKING_LINKS.get(order.carrier.upper())
        if link is None:
            template = text("order_shipped_forwarder", language)
            return template.format(carrier=order.carrier, tracking=order.tracking_number, eta=eta)
        url = link[language if language in link else "de"].format(order.tracking_number)
        return text("order_shipped", language).format(
            carrier=order.carrier, tracking=order.tracking_number, eta=eta, link=url
        )
    return text(f"order_{order.status.value}", language).format(eta=eta)


def _status_name(status: OrderStatus, language: str) -> str:
    names = ORDER_STATUS_NAMES[status.value]
    return names.get(language, names["de"])


def _date(day: date, language: str, style: str) -> str:
    return str(format_date(day, style, locale=LOCALES.get(language, "de_DE")))


def _only_an_order_id(message: str) -> bool:
    """The message is an order number and nothing else ("KR-204815", "kr 204815")."""
    return len(message.strip()) <= len("KR-204815") + 2 and find_order_id(message) is not None


def _ask_postal_code(language: str) -> Reply:
    """Telegram also shows a button that shares the customer's phone number instead."""
    return Reply(text("order_ask_postal_code", language), share_phone_button=_share(language))


def _share(language: str) -> str:
    return text("button_share_phone", language)


def _not_found(context: HandlerContext) -> list[Reply]:
    language = context.language
    return [Reply(text("order_not_found", language), (person_button(language),))]


def _locked(context: HandlerContext) -> list[Reply]:
    return [Reply(text("order_locked", context.language), (person_button(context.language),))]


async def _guarded(
    context: HandlerContext, lookup: Callable[[], Awaitable[list[Reply]]]
) -> list[Reply]:
    """Run a lookup; when the order system is down the customer hears so and is handed to a
    person (who can look the order up another way)."""
    try:
        return await lookup()
    except OrderSystemUnavailableError:
        return await handoff.hand_over(
            context, HandoffReason.ORDER_SYSTEM_DOWN, lead="order_system_down"
        )
