"""Texts of the staff consoles' pages, German and English (`t(key)` in templates)."""

from __future__ import annotations

from bot.web.admin_texts import ADMIN_TEXTS
from orders.model import ORDER_STATUS_NAMES

UI_TEXTS: dict[str, dict[str, str]] = {
    "app.skip_to_content": {"de": "Zum Inhalt springen", "en": "Skip to content"},
    "app.signed_in_as": {"de": "Angemeldet als", "en": "Signed in as"},
    "role.agent": {"de": "Service-Team", "en": "Agent"},
    "role.editor": {"de": "Redaktion", "en": "Editor"},
    "role.admin": {"de": "Administration", "en": "Administrator"},
    "login.title": {"de": "Anmelden", "en": "Sign in"},
    "login.intro": {
        "de": "Melden Sie sich mit Ihrem servicebot-Konto an.",
        "en": "Sign in with your servicebot account.",
    },
    "login.username": {"de": "Benutzername", "en": "Username"},
    "login.password": {"de": "Passwort", "en": "Password"},
    "login.submit": {"de": "Anmelden", "en": "Sign in"},
    "login.failed": {
        "de": "Benutzername oder Passwort ist falsch.",
        "en": "The username or password is incorrect.",
    },
    "login.expired": {
        "de": "Das Anmeldeformular ist abgelaufen. Bitte versuchen Sie es noch einmal.",
        "en": "The sign-in form has expired. Please try again.",
    },
    "login.throttled": {
        "de": (
            "Zu viele fehlgeschlagene Anmeldeversuche. "
            "Bitte versuchen Sie es in {minutes} Minuten erneut."
        ),
        "en": "Too many failed sign-in attempts. Please try again in {minutes} minutes.",
    },
    "logout.submit": {"de": "Abmelden", "en": "Sign out"},
    "error.not_logged_in": {
        "de": "Nicht angemeldet. Bitte melden Sie sich an.",
        "en": "Not signed in. Please sign in.",
    },
    "error.csrf": {
        "de": "Die Anfrage ist ungültig (CSRF-Token fehlt oder ist falsch). Bitte laden Sie die "
        "Seite neu.",
        "en": "The request is invalid (missing or wrong CSRF token). Please reload the page.",
    },
    "error.bad_form": {
        "de": "Das Formular ließ sich nicht lesen (ungültige Zeichen). Bitte laden Sie die Seite "
        "neu und versuchen Sie es noch einmal.",
        "en": "The form could not be read (invalid characters). Please reload the page and try "
        "again.",
    },
    "error.forbidden": {
        "de": "Dafür fehlt Ihrem Konto die Berechtigung.",
        "en": "Your account is not allowed to do this.",
    },
    "queue.title": {"de": "Warteschlange", "en": "Queue"},
    "queue.empty": {
        "de": "Niemand wartet. Neue Anfragen erscheinen hier von selbst.",
        "en": "Nobody is waiting. New requests appear here by themselves.",
    },
    "queue.taken": {
        "de": "Diese Anfrage hat schon ein Kollege übernommen.",
        "en": "A colleague has already taken this request.",
    },
    "queue.waiting_since": {"de": "wartet seit", "en": "waiting since"},
    "queue.callback": {"de": "Rückruf gewünscht", "en": "callback requested"},
    "queue.claim": {"de": "Übernehmen", "en": "Take over"},
    "conversation.transcript": {"de": "Verlauf", "en": "Transcript"},
    "conversation.agent": {"de": "Mitarbeiter", "en": "agent"},
    "delivery.sent": {"de": "gesendet", "en": "sent"},
    "delivery.delivered": {"de": "zugestellt", "en": "delivered"},
    "delivery.read": {"de": "gelesen", "en": "read"},
    "delivery.failed": {"de": "nicht zugestellt", "en": "not delivered"},
    "conversation.window": {"de": "WhatsApp-Antwortfenster", "en": "WhatsApp reply window"},
    "window.open": {
        "de": "noch {hours} h {minutes} min offen (bis {until} Uhr)",
        "en": "open for {hours} h {minutes} min (until {until})",
    },
    "window.closed": {
        "de": "geschlossen – Ihre Antwort geht als freigegebene Vorlage",
        "en": "closed – your reply goes out as the approved template",
    },
    "media.photo": {"de": "Foto öffnen", "en": "Open photo"},
    "media.document": {"de": "Datei öffnen", "en": "Open file"},
    "media.voice": {"de": "Sprachnachricht anhören", "en": "Play voice message"},
    "media.audio": {"de": "Audio anhören", "en": "Play audio"},
    "media.video": {"de": "Video ansehen", "en": "Watch video"},
    "conversation.context": {"de": "Kontext", "en": "Context"},
    "conversation.reason": {"de": "Grund", "en": "Reason"},
    "conversation.language": {"de": "Sprache", "en": "Language"},
    "conversation.channel": {"de": "Kanal", "en": "Channel"},
    "conversation.customer": {"de": "Kunde", "en": "Customer"},
    "conversation.tier": {"de": "Kundenklasse", "en": "Tier"},
    "conversation.unverified": {"de": "nicht verifiziert", "en": "not verified"},
    "conversation.orders": {"de": "Letzte Bestellungen", "en": "Recent orders"},
    "conversation.reply": {"de": "Antwort an den Kunden", "en": "Reply to the customer"},
    "conversation.send": {"de": "Senden", "en": "Send"},
    "conversation.resolve": {
        "de": "Erledigt – zurück an den Bot",
        "en": "Resolved – back to the bot",
    },
    "reason.requested": {"de": "Kunde möchte einen Menschen", "en": "customer asked for a person"},
    "reason.complaint": {"de": "Beschwerde", "en": "complaint"},
    "reason.order_problem": {"de": "Problem mit Lieferung", "en": "delivery problem"},
    "reason.order_system_down": {
        "de": "Bestellsystem nicht erreichbar",
        "en": "order system unavailable",
    },
    "reason.order_lookup_failed": {
        "de": "Bestellabfrage gesperrt (Verifizierung fehlgeschlagen)",
        "en": "order lookup locked (verification failed)",
    },
    "reason.not_understood": {
        "de": "Bot hat zweimal nicht verstanden",
        "en": "bot did not understand twice",
    },
    "reason.bot_unavailable": {
        "de": "Spracherkennung nicht erreichbar",
        "en": "language understanding unavailable",
    },
    "speaker.customer": {"de": "Kunde", "en": "Customer"},
    "speaker.bot": {"de": "Bot", "en": "Bot"},
    "speaker.agent": {"de": "Mitarbeiter", "en": "Agent"},
    "speaker.note": {"de": "Notiz", "en": "Note"},
    "crm.customer": {
        "de": "Kunde: {company} ({number}), Stufe {tier}, Betreuer {manager}, Ansprechpartner "
        "{contact}",
        "en": "Customer: {company} ({number}), tier {tier}, account manager {manager}, contact "
        "{contact}",
    },
    "crm.callback": {
        "de": "Außerhalb der Servicezeiten angefragt: bitte zurückmelden.",
        "en": "Asked outside service hours: please get back to the customer.",
    },
    "crm.window": {
        "de": "WhatsApp: freie Antworten bis {until}, danach nur die freigegebene Vorlage.",
        "en": "WhatsApp: free-form replies until {until}, after that only the approved template.",
    },
    "crm.withdrawn": {
        "de": "Der Kunde hat die Anfrage zurückgezogen; der Bot antwortet wieder.",
        "en": "The customer withdrew the request; the bot answers again.",
    },
    "crm.resolved_here": {
        "de": "In der servicebot-Konsole erledigt; der Bot antwortet wieder.",
        "en": "Resolved in the servicebot console; the bot answers again.",
    },
    "channel.telegram": {"de": "Telegram", "en": "Telegram"},
    "channel.whatsapp": {"de": "WhatsApp", "en": "WhatsApp"},
    # Order statuses in the words the bot uses with customers.
    **{f"status.{status}": names for status, names in ORDER_STATUS_NAMES.items()},
    "conversation.canned": {"de": "FAQ-Antwort einfügen", "en": "Insert an FAQ answer"},
    "conversation.canned_hint": {"de": "z. B. Skonto", "en": "e.g. discount"},
    "conversation.search": {"de": "Suchen", "en": "Search"},
    "conversation.canned_none": {"de": "Keine passende Antwort.", "en": "No matching answer."},
    "queue.mine": {"de": "Meine Gespräche", "en": "My conversations"},
    "queue.waiting": {"de": "Wartende Kunden", "en": "Waiting customers"},
    "conversation.transfer_to": {"de": "An Kollegen übergeben:", "en": "Transfer to:"},
    "conversation.transfer": {"de": "Übergeben", "en": "Transfer"},
    "conversation.note": {
        "de": "Interne Notiz (sieht nur das Team)",
        "en": "Internal note (staff only)",
    },
    "conversation.add_note": {"de": "Notiz speichern", "en": "Save note"},
    "conversation.flag_wrong": {"de": "Antwort falsch", "en": "Wrong answer"},
    "conversation.flagged": {
        "de": "Als falsch gemeldet: die Redaktion sieht es im Posteingang.",
        "en": "Flagged as wrong: the editors see it in their inbox.",
    },
}
UI_TEXTS.update(ADMIN_TEXTS)
