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
    "fallback_again": {
        "de": "Das verstehe ich leider immer noch nicht sicher, und raten möchte ich nicht. "
        "Soll sich ein Kollege darum kümmern?",
        "en": "I'm still not sure I understand, and I'd rather not guess. "
        "Shall a colleague take care of it?",
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
        "de": "Gern verbinde ich Sie mit unserem Service-Team. Persönlich erreichen Sie uns "
        "Mo–Fr 07:00–18:00 Uhr und Sa 08:00–12:00 Uhr unter +49 561 123 456 0 oder "
        "service@kramer-wb.example.",
        "en": "I'll gladly put you in touch with our service team. You can reach a person "
        "Mon–Fri 7:00 am–6:00 pm and Sat 8:00 am–12:00 noon (German time) at "
        "+49 561 123 456 0 or service@kramer-wb.example.",
    },
    "order_status_soon": {
        "de": "Die Auskunft zum Bestellstatus im Chat kommt in Kürze. Bis dahin hilft Ihnen "
        "unser Service-Team gern weiter.",
        "en": "Order status in the chat is coming soon. Until then our service team will "
        "gladly help you.",
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


CATEGORIES: dict[str, dict[str, str]] = {
    "contact": {"de": "Kontakt & Servicezeiten", "en": "Contact & service hours"},
    "shipping": {"de": "Versand & Lieferung", "en": "Shipping & delivery"},
    "payment": {"de": "Zahlung & Rechnung", "en": "Payment & invoices"},
    "returns": {"de": "Rücksendung", "en": "Returns"},
    "after_sales": {"de": "Garantie, Reparatur & Service", "en": "Warranty, repair & service"},
    "account": {"de": "Kundenkonto", "en": "Customer account"},
    "orders": {"de": "Bestellungen ändern", "en": "Changing orders"},
    "sales": {"de": "Angebote & Mengenrabatt", "en": "Quotes & volume discounts"},
    "privacy": {"de": "Datenschutz", "en": "Data privacy"},
    "news": {"de": "Newsletter", "en": "Newsletter"},
}


def category_title(category: str, language: str) -> str:
    """A category's name for buttons; unknown categories show their key."""
    names = CATEGORIES.get(category)
    return names.get(language, names["de"]) if names else category.replace("_", " ").title()


def text(key: str, language: str) -> str:
    """The sentence in the language, falling back to German (our first language)."""
    variants = TEXTS[key]
    return variants.get(language, variants["de"])
