"""Every fixed sentence the bot says, in German and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "disclosure": {
        "de": "Hallo! Hier antwortet der *digitale Assistent* von Kramer Werkzeug & "
        "Befestigung, rund um die Uhr. Wenn Sie lieber mit einem Menschen sprechen, "
        "schreiben Sie einfach „Mitarbeiter“. Wie wir mit Ihren Daten umgehen: {policy_url} "
        "– „Auskunft“ oder „Daten löschen“ genügt.",
        "en": "Hello! You are chatting with the *automated assistant* of Kramer Werkzeug & "
        "Befestigung, 24/7. If you would rather talk to a person, just write “agent”. How "
        "we handle your data: {policy_url} – just write “my data” or “delete my data”.",
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
    "privacy_export_offer": {
        "de": "Gern schicke ich Ihnen hier im Chat, was wir über Sie gespeichert haben: Ihre "
        "Chatverläufe und die Angaben zu Ihrer Person und Ihrem Kundenkonto. "
        "Datenschutzhinweise: {policy_url}",
        "en": "I can send you here in the chat what we store about you: your chat history "
        "and the details of you and your customer account. Privacy policy: {policy_url}",
    },
    "privacy_erase_offer": {
        "de": "Soll ich Ihre Daten löschen? Dann lösche ich Ihre Chatverläufe und alle Angaben "
        "zu Ihnen aus diesem Chat, auch bei unserem Service-Team. Das lässt sich nicht "
        "rückgängig machen. Ihr Kundenkonto und Ihre Bestellungen bleiben bestehen. "
        "Datenschutzhinweise: {policy_url}",
        "en": "Shall I delete your data? I'll then delete your chat history and everything "
        "about you from this chat, with our service team too. This cannot be undone. Your "
        "customer account and your orders stay as they are. Privacy policy: {policy_url}",
    },
    "button_privacy_export": {"de": "Ja, Daten senden", "en": "Yes, send my data"},
    "button_privacy_erase": {"de": "Ja, alles löschen", "en": "Yes, delete it all"},
    "button_privacy_cancel": {"de": "Abbrechen", "en": "Cancel"},
    "privacy_cancelled": {
        "de": "In Ordnung, es bleibt alles, wie es ist. Wie kann ich Ihnen helfen?",
        "en": "All right, everything stays as it is. How can I help you?",
    },
    "privacy_unavailable": {
        "de": "Das kann ich hier gerade nicht selbst erledigen. Ein Kollege kümmert sich "
        "darum; mehr dazu: {policy_url}",
        "en": "I can't do this myself right now. A colleague will take care of it; more "
        "here: {policy_url}",
    },
    "privacy_erased": {
        "de": "Erledigt: Ihre Daten sind gelöscht ({conversations} Gespräche, {messages} "
        "Nachrichten). Wenn Sie uns wieder schreiben, beginnt ein neues Gespräch.",
        "en": "Done: your data has been deleted ({conversations} conversations, {messages} "
        "messages). If you write to us again, a new conversation begins.",
    },
    "privacy_export_title": {"de": "*Ihre gespeicherten Daten*", "en": "*Your stored data*"},
    "privacy_export_intro": {"de": "Stand: {at}", "en": "As of {at}"},
    "privacy_export_empty": {
        "de": "Zu diesem Chat habe ich keine gespeicherten Daten gefunden.",
        "en": "I found no stored data for this chat.",
    },
    "privacy_export_truncated": {
        "de": "Der Verlauf ist zu lang für den Chat. Den vollständigen Auszug erhalten Sie von "
        "unserem Service-Team, siehe {policy_url}",
        "en": "The history is too long for the chat. Our service team sends you the full "
        "copy, see {policy_url}",
    },
    "privacy_export_contact": {"de": "Kontakt", "en": "Contact"},
    "privacy_export_name": {"de": "Name", "en": "Name"},
    "privacy_export_language": {"de": "Sprache", "en": "Language"},
    "privacy_export_blocked": {
        "de": "Sie haben den Bot blockiert",
        "en": "You have blocked the bot",
    },
    "privacy_export_customer": {"de": "Kundenkonto", "en": "Customer account"},
    "privacy_export_verified": {
        "de": "In diesem Gespräch bestätigt als Kunde {number}",
        "en": "Verified in this conversation as customer {number}",
    },
    "privacy_export_conversation": {
        "de": "Gespräch über {channel} seit {started}",
        "en": "Conversation on {channel} since {started}",
    },
    "privacy_export_you": {"de": "Sie", "en": "You"},
    "privacy_export_bot": {"de": "Assistent", "en": "Assistant"},
    "privacy_export_agent": {"de": "Mitarbeiter", "en": "Agent"},
    "privacy_export_earlier": {"de": "frühere Datenauskunft", "en": "earlier data export"},
    "privacy_export_handoff": {
        "de": "An einen Mitarbeiter übergeben am {at} (Grund: {reason})",
        "en": "Handed to a person on {at} (reason: {reason})",
    },
    "privacy_reason_requested": {"de": "auf Ihren Wunsch", "en": "at your request"},
    "privacy_reason_complaint": {"de": "Beschwerde", "en": "complaint"},
    "privacy_reason_order_problem": {"de": "Problem mit einer Bestellung", "en": "order problem"},
    "privacy_reason_order_system_down": {
        "de": "Bestellsystem nicht erreichbar",
        "en": "order system unavailable",
    },
    "privacy_reason_order_lookup_failed": {
        "de": "Bestellung nicht bestätigt",
        "en": "order not verified",
    },
    "privacy_reason_not_understood": {"de": "nicht verstanden", "en": "not understood"},
    "privacy_reason_bot_unavailable": {
        "de": "Assistent nicht verfügbar",
        "en": "assistant unavailable",
    },
    "privacy_media_photo": {"de": "Foto", "en": "photo"},
    "privacy_media_document": {"de": "Dokument", "en": "document"},
    "privacy_media_voice": {"de": "Sprachnachricht", "en": "voice message"},
    "privacy_media_audio": {"de": "Audio", "en": "audio"},
    "privacy_media_video": {"de": "Video", "en": "video"},
    "privacy_export_rating": {
        "de": "– Ihre Bewertung: {stars} von 5",
        "en": "– your rating: {stars} of 5",
    },
}


def text(key: str, language: str) -> str:
    """The sentence in the language, falling back to German (our first language)."""
    variants = TEXTS[key]
    return variants.get(language, variants["de"])
