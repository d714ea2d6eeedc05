"""Every fixed sentence the bot says, in German and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "disclosure": {
        "de": "Hallo! Hier antwortet der *digitale Assistent* von Kramer Werkzeug & "
        "Befestigung, rund um die Uhr. Wenn Sie lieber mit einem Menschen sprechen, "
        "schreiben Sie einfach „Mitarbeiter“.",
        "en": "Hello! You are chatting with the *automated assistant* of Kramer Werkzeug & "
        "Befestigung, 24/7. If you would rather talk to a person, just write “agent”.",
    },
    "greet": {
        "de": "Hallo! Wie kann ich Ihnen helfen? Fragen Sie mich z. B. nach Versandkosten, "
        "Lieferzeiten oder Öffnungszeiten.",
        "en": "Hello! How can I help? Ask me about shipping costs, delivery times or "
        "opening hours, for example.",
    },
    "goodbye": {
        "de": "Auf Wiedersehen und einen erfolgreichen Tag!",
        "en": "Goodbye and have a good day!",
    },
    "thanks": {
        "de": "Gern geschehen! Kann ich sonst noch etwas für Sie tun?",
        "en": "You're welcome! Is there anything else I can do for you?",
    },
    "fallback": {
        "de": "Das habe ich leider nicht sicher verstanden. Können Sie es mit anderen Worten "
        "sagen, z. B. „Wie lange dauert die Lieferung?“ Oder wählen Sie ein Thema aus dem Menü.",
        "en": "Sorry, I'm not sure I understood that. Could you put it another way, e.g. "
        "“How long does delivery take?” Or pick a topic from the menu.",
    },
    "fallback_handoff": {
        "de": "Das verstehe ich leider immer noch nicht sicher, und raten möchte ich nicht.",
        "en": "I'm still not sure I understand, and I'd rather not guess.",
    },
    "nlu_unavailable": {
        "de": "Einen Moment bitte: Ich kann Ihre Nachricht gerade nicht selbst auswerten.",
        "en": "One moment please: I can't read your message myself right now.",
    },
    "menu": {
        "de": "Wobei kann ich helfen? Wählen Sie ein Thema:",
        "en": "What can I help you with? Choose a topic:",
    },
    "menu_category": {
        "de": "*{category}* – wählen Sie eine Frage:",
        "en": "*{category}* – choose a question:",
    },
    "button_menu": {"de": "Menü", "en": "Menu"},
    "button_language": {"de": "English", "en": "Deutsch"},  # no flag emoji: not every font has them
    "language_switched": {
        "de": "Alles klar, ich antworte Ihnen ab jetzt auf Deutsch.",
        "en": "Sure, I'll answer you in English from now on.",
    },
    "clarify": {
        "de": "Meinten Sie eines davon?",
        "en": "Did you mean one of these?",
    },
    "handoff": {
        "de": "Ich gebe Ihr Anliegen an einen Kollegen weiter.",
        "en": "I'm passing your request on to a colleague.",
    },
    "handoff_queued": {
        "de": "Sie sind an Position {position} der Warteschlange. Schreiben Sie gern weiter – "
        "alles landet bei Ihrem Kollegen, Sie müssen nichts wiederholen.",
        "en": "You are number {position} in the queue. Feel free to keep writing – it all "
        "goes to your colleague, you won't need to repeat anything.",
    },
    "handoff_callback": {
        "de": "Unser Service-Team ist gerade nicht im Dienst. Ich habe Ihren Wunsch notiert: "
        "Ein Kollege meldet sich {when} hier im Chat. Dringend? +49 561 123 456 0",
        "en": "Our service team is not at work right now. I've noted your request: a colleague "
        "will get back to you here {when}. Urgent? +49 561 123 456 0",
    },
    "handoff_cancelled": {
        "de": "In Ordnung, ich habe die Anfrage zurückgezogen. Wie kann ich Ihnen helfen?",
        "en": "All right, I've withdrawn the request. How can I help you?",
    },
    "rating_prompt": {
        "de": "Ihr Anliegen ist erledigt – ab jetzt antworte wieder ich, der digitale "
        "Assistent. Wie zufrieden waren Sie mit unserem Service?",
        "en": "Your request is settled – from now on I, the automated assistant, answer again. "
        "How satisfied were you with our service?",
    },
    "rating_thanks": {
        "de": "Danke für Ihre Bewertung!",
        "en": "Thank you for your rating!",
    },
    "button_cancel_handoff": {"de": "Anfrage zurückziehen", "en": "Withdraw request"},
    "next_opening": {"de": "am {day} ab {time} Uhr", "en": "on {day} from {time}"},
    "order_ask_number": {
        "de": "Gern sehe ich nach. Wie lautet Ihre Bestellnummer? (z. B. KR-204815)",
        "en": "Happy to check. What is your order number? (e.g. KR-204815)",
    },
    "order_ask_postal_code": {
        "de": "Zu Ihrer Sicherheit: Wie lautet die *Postleitzahl* Ihres Unternehmens "
        "(wie in Ihrem Kundenkonto)?",
        "en": "For your security: what is your company's *postal code* (as in your "
        "customer account)?",
    },
    "order_not_found": {
        "de": "Diese Bestellung kann ich für Sie leider nicht finden. Bitte prüfen Sie "
        "Bestellnummer und Postleitzahl, oder sprechen Sie mit einem Mitarbeiter.",
        "en": "I can't find that order for you. Please check the order number and the postal "
        "code, or talk to a colleague.",
    },
    "order_locked": {
        "de": "Aus Sicherheitsgründen kann ich Ihnen die nächsten 15 Minuten keine "
        "Bestellungen zeigen. Ein Mitarbeiter hilft Ihnen gern weiter.",
        "en": "For your security I can't show you orders for the next 15 minutes. A "
        "colleague will gladly help you.",
    },
    "order_system_down": {
        "de": "Unser Bestellsystem antwortet gerade nicht.",
        "en": "Our order system is not answering right now.",
    },
    "order_locked_handoff": {
        "de": "Aus Sicherheitsgründen kann ich Ihnen die nächsten 15 Minuten keine "
        "Bestellungen zeigen.",
        "en": "For your security I can't show you orders for the next 15 minutes.",
    },
    "order_none": {
        "de": "Zu Ihrem Kundenkonto finde ich keine Bestellungen.",
        "en": "I can't find any orders for your customer account.",
    },
    "order_list": {
        "de": "Ihre letzten Bestellungen – welche möchten Sie sehen?",
        "en": "Your recent orders – which one would you like to see?",
    },
    "order_title": {
        "de": "*Bestellung {order_id}* vom {created}",
        "en": "*Order {order_id}* of {created}",
    },
    "order_received": {
        "de": "📥 Eingegangen – wir bereiten sie vor.\nVoraussichtliche Lieferung: {eta}",
        "en": "📥 Received – we are preparing it.\nExpected delivery: {eta}",
    },
    "order_picking": {
        "de": "📦 Wird gerade im Lager zusammengestellt.\nVoraussichtliche Lieferung: {eta}",
        "en": "📦 Being picked in our warehouse.\nExpected delivery: {eta}",
    },
    "order_shipped": {
        "de": "🚚 Versendet mit {carrier}, Sendungsnummer {tracking}.\n"
        "Voraussichtliche Lieferung: {eta}\nSendung verfolgen: {link}",
        "en": "🚚 Shipped with {carrier}, tracking number {tracking}.\n"
        "Expected delivery: {eta}\nTrack it: {link}",
    },
    "order_shipped_forwarder": {
        "de": "🚛 Unterwegs mit der Spedition {carrier} (Sendung {tracking}). Die Spedition "
        "ruft Sie vor der Zustellung an, um einen Termin zu vereinbaren.\n"
        "Voraussichtliche Lieferung: {eta}",
        "en": "🚛 On its way with the freight forwarder {carrier} (shipment {tracking}). The "
        "forwarder will phone you before delivery to agree a time.\nExpected delivery: {eta}",
    },
    "order_delivered": {
        "de": "✅ Zugestellt am {eta}.",
        "en": "✅ Delivered on {eta}.",
    },
    "order_backordered": {
        "de": "⏳ Ein Artikel ist gerade nicht vorrätig (Lieferrückstand).\n"
        "Voraussichtliche Lieferung: {eta}",
        "en": "⏳ An item is out of stock (backorder).\nExpected delivery: {eta}",
    },
    "order_cancelled": {
        "de": "❌ Diese Bestellung wurde storniert.",
        "en": "❌ This order was cancelled.",
    },
    "order_late": {
        "de": "Die Lieferung ist leider später als geplant. Soll sich ein Mitarbeiter "
        "darum kümmern?",
        "en": "I'm sorry, the delivery is later than planned. Shall a colleague look into it?",
    },
    "eta_unknown": {"de": "wird noch bestätigt", "en": "to be confirmed"},
    "button_share_phone": {
        "de": "📱 Meine Telefonnummer senden",
        "en": "📱 Send my phone number",
    },
    "order_phone_unknown": {
        "de": "Zu dieser Telefonnummer finde ich kein Kundenkonto. Nennen Sie mir bitte "
        "stattdessen die Postleitzahl Ihres Unternehmens.",
        "en": "I can't find a customer account with this phone number. Please tell me your "
        "company's postal code instead.",
    },
    "order_phone_not_own": {
        "de": "Bitte senden Sie Ihre eigene Telefonnummer über den Button – oder nennen Sie "
        "mir die Postleitzahl Ihres Unternehmens.",
        "en": "Please send your own phone number with the button, or tell me your company's "
        "postal code.",
    },
    "button_my_orders": {"de": "Meine Bestellungen", "en": "My orders"},
    "button_delivery_problem": {
        "de": "Problem mit der Lieferung",
        "en": "Problem with the delivery",
    },
    "media_received": {
        "de": "Danke, das ist angekommen! Bilder und Dateien kann ich selbst nicht auswerten. "
        "Schreiben Sie mir Ihre Frage als Text – oder lassen Sie einen Kollegen draufschauen: "
        "er sieht alles, was Sie hier geschickt haben.",
        "en": "Thanks, that arrived! I can't look at pictures or files myself. Type your "
        "question – or let a colleague have a look: they see everything you sent here.",
    },
    "unsupported": {
        "de": "Danke! Bilder, Sprachnachrichten und Dateien kann ich leider noch nicht lesen. "
        "Bitte schreiben Sie mir Ihre Frage als Text.",
        "en": "Thank you! I can't read pictures, voice messages or files yet. "
        "Please type your question as text.",
    },
    "error": {
        "de": "Entschuldigung, bei mir ist gerade etwas schiefgelaufen. Bitte versuchen Sie es "
        "gleich noch einmal oder rufen Sie uns an: +49 561 123 456 0.",
        "en": "Sorry, something went wrong on my side. Please try again in a moment or "
        "call us: +49 561 123 456 0.",
    },
    "faq_missing": {
        "de": "Zu diesem Thema habe ich gerade keine Antwort hinterlegt.",
        "en": "I don't have an answer stored for this topic right now.",
    },
    "button_person": {"de": "Mitarbeiter sprechen", "en": "Talk to a person"},
}


def text(key: str, language: str) -> str:
    """The sentence in the language, falling back to German (our first language)."""
    variants = TEXTS[key]
    return variants.get(language, variants["de"])
