"""Texts of the FAQ admin's pages, German and English (merged into UI_TEXTS)."""

from __future__ import annotations

ADMIN_TEXTS: dict[str, dict[str, str]] = {
    "admin.nav": {"de": "Verwaltung", "en": "Administration"},
    "admin.topics": {"de": "Wissensdatenbank", "en": "Knowledge base"},
    "admin.publications": {"de": "Veröffentlichungen", "en": "Publications"},
    "admin.audit": {"de": "Protokoll", "en": "Audit log"},
    "admin.misses": {"de": "Nicht verstanden", "en": "Misses"},
    "admin.categories": {"de": "Kategorien", "en": "Categories"},
    "categories.explain": {
        "de": "Das Menü, das Kunden sehen, in dieser Reihenfolge (nur Kategorien mit Themen "
        "erscheinen). Namen höchstens 24 Zeichen, so passen sie in eine WhatsApp-Liste. "
        "Änderungen gelten sofort, ohne Training.",
        "en": "The menu customers see, in this order (only categories with topics appear). "
        "Names of at most 24 characters fit a WhatsApp list. Changes apply at once, with no "
        "training.",
    },
    "categories.saved": {"de": "Kategorie gespeichert.", "en": "Category saved."},
    "categories.topics": {"de": "{count} Themen", "en": "{count} topics"},
    "categories.save": {"de": "Speichern", "en": "Save"},
    "categories.up": {"de": "{name} nach oben", "en": "Move {name} up"},
    "categories.down": {"de": "{name} nach unten", "en": "Move {name} down"},
    "categories.delete": {"de": "Löschen", "en": "Delete"},
    "categories.none": {"de": "Noch keine Kategorien.", "en": "No categories yet."},
    "categories.new": {"de": "Neue Kategorie", "en": "New category"},
    "categories.add": {"de": "Kategorie anlegen", "en": "Add category"},
    "categories.choose": {"de": "Kategorie wählen …", "en": "Choose a category …"},
    "categories.manage": {"de": "Kategorien verwalten", "en": "Manage categories"},
    "hint.category_slug": {
        "de": "Kleinbuchstaben, Ziffern und _, z. B. werkzeug_service; bleibt fest.",
        "en": "Lower-case letters, digits and _, e.g. tool_service; fixed once created.",
    },
    "misses.intro": {
        "de": "Kundennachrichten der letzten 30 Tage, die der Bot nicht klären konnte "
        "(nicht verstanden, Rückfrage, Übergabe) oder deren Antwort das Service-Team als "
        "falsch gemeldet hat, nach ähnlicher Formulierung gruppiert.",
        "en": "Customer messages of the last 30 days the bot could not settle (not "
        "understood, asked back, handed over) or whose answer an agent flagged as wrong, "
        "grouped by similar wording.",
    },
    "misses.count": {"de": "{count}×", "en": "{count}×"},
    "misses.outcome.fallback": {"de": "nicht verstanden", "en": "not understood"},
    "misses.outcome.clarify": {"de": "Rückfrage", "en": "asked back"},
    "misses.outcome.handoff": {"de": "Übergabe", "en": "handed over"},
    "misses.outcome.flagged": {"de": "als falsch gemeldet", "en": "flagged wrong"},
    "misses.flagged_by": {"de": "gemeldet von {agent}", "en": "flagged by {agent}"},
    "misses.more": {"de": "und {count} weitere", "en": "and {count} more"},
    "misses.new_topic": {"de": "Neues Thema daraus", "en": "New topic from these"},
    "misses.topic": {"de": "Thema", "en": "Topic"},
    "misses.add": {"de": "Als Beispiele hinzufügen", "en": "Add as examples"},
    "misses.dismiss": {"de": "Verwerfen", "en": "Dismiss"},
    "misses.done": {"de": "Erledigt.", "en": "Done."},
    "misses.none": {
        "de": "Nichts offen: der Bot hat alles geklärt.",
        "en": "Nothing open: the bot settled everything.",
    },
    "admin.new_topic": {"de": "Neues Thema", "en": "New topic"},
    "admin.export_yaml": {"de": "Export YAML", "en": "Export YAML"},
    "admin.export_csv": {"de": "Export CSV", "en": "Export CSV"},
    "admin.state": {"de": "Stand", "en": "State"},
    "admin.no_topics": {"de": "Noch keine Themen.", "en": "No topics yet."},
    "admin.saved": {"de": "Entwurf gespeichert.", "en": "Draft saved."},
    "admin.edit": {"de": "Bearbeiten", "en": "Edit"},
    "admin.save_draft": {"de": "Entwurf speichern", "en": "Save draft"},
    "admin.submit": {"de": "Zur Prüfung einreichen", "en": "Submit for review"},
    "admin.send_back": {"de": "Zurück an die Redaktion", "en": "Send back to the editor"},
    "admin.publish": {"de": "Version {number} veröffentlichen", "en": "Publish version {number}"},
    "admin.show_changes": {"de": "Änderungen", "en": "Changes"},
    "admin.rollback": {"de": "Version {number} wiederherstellen", "en": "Restore version {number}"},
    "publication.running": {
        "de": "Das Modell lernt gerade neue Antworten ({percent} %). Bis es fertig ist, "
        "antwortet der Bot wie bisher.",
        "en": "The model is learning new answers ({percent} %). Until it is done the bot "
        "answers as before.",
    },
    "publication.topic_pending": {
        "de": "Version {number} wird veröffentlicht: das Modell wird neu trainiert. Bis es "
        "bereitsteht, antwortet der Bot mit der bisherigen Fassung.",
        "en": "Version {number} is being published: the model is retrained. Until it is "
        "served, the bot answers with the previous version.",
    },
    "publication.progress": {"de": "Fortschritt des Trainings", "en": "Training progress"},
    "publication.requested_by": {"de": "Veranlasst von", "en": "Requested by"},
    "publication.model": {"de": "Modell", "en": "Model"},
    "publication.none": {"de": "Noch nichts veröffentlicht.", "en": "Nothing published yet."},
    "publication.explain": {
        "de": "Neue Antworten gelten erst, wenn der NLU-Server das neue Modell ausliefert; "
        "schlägt das fehl, bleibt alles beim Alten und die Version geht zurück in die Prüfung.",
        "en": "New answers apply only once the NLU server serves the new model; if that "
        "fails, nothing changes and the version returns to review.",
    },
    "publication.training_percent": {
        "de": "Das Modell lernt: {percent} %",
        "en": "The model is learning: {percent} %",
    },
    "publication.loading_model": {
        "de": "Trainiert; der NLU-Server lädt das neue Modell …",
        "en": "Trained; the NLU server is loading the new model …",
    },
    "publication.training": {"de": "Training", "en": "Training"},
    "publication.loading": {"de": "Modell wird geladen", "en": "Loading the model"},
    "publication.live": {"de": "Live", "en": "Live"},
    "publication.failed": {"de": "Fehlgeschlagen", "en": "Failed"},
    "field.slug": {"de": "Kennung", "en": "Slug"},
    "field.question": {"de": "Frage", "en": "Question"},
    "field.category": {"de": "Kategorie", "en": "Category"},
    "field.owner": {"de": "Verantwortlich", "en": "Owner"},
    "field.last_reviewed": {"de": "Zuletzt geprüft", "en": "Last reviewed"},
    "field.enabled": {"de": "Aktiv (der Bot beantwortet es)", "en": "Enabled (the bot answers it)"},
    "field.answer": {"de": "Antwort", "en": "Answer"},
    "field.examples": {"de": "Beispielformulierungen", "en": "Example phrasings"},
    "field.note": {"de": "Änderungsnotiz", "en": "Change note"},
    "field.name": {"de": "Name", "en": "Name"},
    "field.wordings": {"de": "Sprachen", "en": "Languages"},
    "hint.slug": {
        "de": "Kleinbuchstaben, Ziffern und _, z. B. akku_ruecknahme. Später nicht änderbar.",
        "en": "Lower-case letters, digits and _, e.g. battery_take_back. Fixed once created.",
    },
    "hint.examples": {
        "de": "Eine Formulierung pro Zeile, so wie Kunden fragen (mindestens zwei).",
        "en": "One phrasing per line, the way customers ask (at least two).",
    },
    "language.de": {"de": "Deutsch", "en": "German"},
    "language.en": {"de": "Englisch", "en": "English"},
    "state.live": {"de": "Live v{number}", "en": "Live v{number}"},
    "state.disabled": {"de": "Deaktiviert v{number}", "en": "Disabled v{number}"},
    "state.draft": {"de": "Entwurf v{number}", "en": "Draft v{number}"},
    "state.review": {"de": "In Prüfung v{number}", "en": "In review v{number}"},
    "state.publishing": {"de": "Wird veröffentlicht v{number}", "en": "Publishing v{number}"},
    "state.published": {"de": "Live", "en": "Live"},
    "state.superseded": {"de": "Abgelöst", "en": "Superseded"},
    "problem.intro": {"de": "Bitte korrigieren Sie:", "en": "Please correct:"},
    "problem.slug_format": {
        "de": "2–64 Kleinbuchstaben, Ziffern oder _, beginnend mit einem Buchstaben",
        "en": "2-64 lower-case letters, digits or _, starting with a letter",
    },
    "problem.slug_reserved": {
        "de": "diese Kennung gehört dem Bot selbst (z. B. greet, order_status)",
        "en": "the bot uses this name itself (e.g. greet, order_status)",
    },
    "problem.slug_taken": {"de": "dieses Thema gibt es schon", "en": "this topic exists"},
    "problem.required": {"de": "fehlt", "en": "is missing"},
    "problem.too_long": {"de": "höchstens {limit} Zeichen", "en": "at most {limit} characters"},
    "problem.few_examples": {
        "de": "mindestens {minimum} verschiedene Formulierungen",
        "en": "at least {minimum} different phrasings",
    },
    "problem.no_language": {
        "de": "mindestens eine Sprache ausfüllen",
        "en": "fill in at least one language",
    },
    "problem.unknown_language": {"de": "unbekannte Sprache", "en": "unknown language"},
    "problem.unknown_category": {
        "de": "diese Kategorie gibt es nicht (ein Admin legt sie unter Kategorien an)",
        "en": "no such category (an admin adds it under Categories)",
    },
    "refused.not_found": {
        "de": "Dieses Thema oder diese Version gibt es nicht.",
        "en": "There is no such topic or version.",
    },
    "refused.language": {
        "de": "Das Thema hat diese Sprache noch nicht; bitte erst dort anlegen.",
        "en": "The topic lacks this language; add it there first.",
    },
    "refused.wrong_state": {
        "de": "Dieser Schritt passt nicht zum Stand der Version (jemand war schneller?).",
        "en": "This step does not fit the version's state (someone was faster?).",
    },
    "refused.busy": {
        "de": "Eine Version dieses Themas wird gerade veröffentlicht. Bitte warten.",
        "en": "A version of this topic is being published. Please wait.",
    },
    "refused.conflict": {
        "de": "Jemand hat das Thema gerade gleichzeitig geändert. Bitte neu laden.",
        "en": "Someone changed this topic at the same moment. Please reload.",
    },
    "refused.invalid": {"de": "Die Version ist unvollständig.", "en": "The version is incomplete."},
    "refused.slug_taken": {"de": "Dieses Thema gibt es schon.", "en": "This topic exists."},
    "refused.unknown_category": {
        "de": "Diese Kategorie gibt es nicht.",
        "en": "There is no such category.",
    },
    "refused.in_use": {
        "de": "Themen nutzen diese Kategorie; erst die Themen einer anderen zuordnen.",
        "en": "Topics use this category; move them to another one first.",
    },
    "preview.title": {"de": "Vorschau", "en": "Preview"},
    "preview.characters": {
        "de": "{count} von {limit} Zeichen",
        "en": "{count} of {limit} characters",
    },
    "test.title": {"de": "Testfrage", "en": "Test a question"},
    "test.question": {
        "de": "Wie würde ein Kunde fragen?",
        "en": "How would a customer ask?",
    },
    "test.submit": {"de": "Prüfen", "en": "Check"},
    "test.current": {"de": "Aktuelles Modell", "en": "Current model"},
    "test.confidence": {"de": "Sicherheit", "en": "confidence"},
    "test.nlu_down": {
        "de": "Der NLU-Server antwortet gerade nicht.",
        "en": "The NLU server does not answer right now.",
    },
    "test.candidate": {"de": "Testmodell mit den Entwürfen", "en": "Test model with the drafts"},
    "test.candidate_hint": {
        "de": "Ein echtes Modell, trainiert auf die Wissensdatenbank samt aller offenen "
        "Entwürfe. Die Kunden merken davon nichts. Nach einer Änderung an einem Entwurf "
        "braucht es ein neues Training.",
        "en": "A real model, trained on the knowledge base with every open draft. Customers "
        "notice nothing. A changed draft needs a new training.",
    },
    "test.candidate_train": {"de": "Testmodell trainieren", "en": "Train the test model"},
    "test.candidate_queued": {
        "de": "Wartet auf das Training (Veröffentlichungen gehen vor) …",
        "en": "Waiting for training (publications go first) …",
    },
    "test.candidate_training": {"de": "Training: {percent} %", "en": "Training: {percent} %"},
    "test.candidate_loading": {
        "de": "Das Testmodell wird geladen, die Seite fragt gleich noch einmal …",
        "en": "The test model is loading; the page asks again in a moment …",
    },
    "test.candidate_ready": {
        "de": "Das Testmodell ist bereit: oben eine Frage eingeben.",
        "en": "The test model is ready: enter a question above.",
    },
    "test.candidate_failed": {
        "de": "Das Training ist fehlgeschlagen.",
        "en": "The training failed.",
    },
    "action.answer_faq": {"de": "Antwortet mit", "en": "Answers with"},
    "action.order_status": {"de": "Auftragsstatus", "en": "Order status"},
    "action.handoff": {"de": "Übergabe an einen Menschen", "en": "Hand-off to a person"},
    "action.clarify": {"de": "Rückfrage", "en": "Asks back"},
    "action.fallback": {"de": "Nicht verstanden", "en": "Not understood"},
    "action.smalltalk": {"de": "Smalltalk", "en": "Small talk"},
    "history.title": {"de": "Versionen", "en": "Versions"},
    "history.version": {"de": "Version", "en": "Version"},
    "history.author": {"de": "Von", "en": "By"},
    "history.when": {"de": "Zeitpunkt", "en": "When"},
    "diff.title": {"de": "Änderungen", "en": "Changes"},
    "diff.heading": {"de": "{slug}: {old} → {new}", "en": "{slug}: {old} → {new}"},
    "diff.none": {"de": "Keine Unterschiede.", "en": "No differences."},
    "audit.actor": {"de": "Wer", "en": "Who"},
    "audit.action": {"de": "Was", "en": "What"},
    "audit.target": {"de": "Woran", "en": "Target"},
    "audit.details": {"de": "Einzelheiten", "en": "Details"},
    "audit.none": {"de": "Noch keine Einträge.", "en": "No entries yet."},
    "audit.faq.draft_saved": {"de": "Entwurf gespeichert", "en": "Draft saved"},
    "audit.faq.submitted": {"de": "Zur Prüfung eingereicht", "en": "Submitted for review"},
    "audit.faq.sent_back": {"de": "Zurück an die Redaktion", "en": "Sent back"},
    "audit.faq.publish_requested": {"de": "Veröffentlichung beauftragt", "en": "Publish requested"},
    "audit.faq.rollback_requested": {
        "de": "Wiederherstellung beauftragt",
        "en": "Rollback requested",
    },
    "audit.faq.published": {"de": "Veröffentlicht (live)", "en": "Published (live)"},
    "audit.faq.publish_failed": {
        "de": "Veröffentlichung fehlgeschlagen",
        "en": "Publishing failed",
    },
    "audit.faq.misses_resolved": {"de": "Posteingang bearbeitet", "en": "Misses dealt with"},
    "audit.faq.answer_flagged": {"de": "Antwort als falsch gemeldet", "en": "Answer flagged wrong"},
    "audit.faq.imported": {
        "de": "Aus Datei importiert (live)",
        "en": "Imported from a file (live)",
    },
    "audit.faq.deleted_by_import": {
        "de": "Beim Import gelöscht (fehlte in der Datei)",
        "en": "Deleted by an import (not in the file)",
    },
    "audit.faq.category_saved": {"de": "Kategorie gespeichert", "en": "Category saved"},
    "audit.faq.category_deleted": {"de": "Kategorie gelöscht", "en": "Category deleted"},
    "audit.faq.adopted": {
        "de": "Außerhalb geändert (Import/Seed) übernommen",
        "en": "Outside change (import/seed) recorded",
    },
    "audit.privacy.exported": {"de": "Daten eines Kontakts exportiert", "en": "Contact exported"},
    "audit.privacy.erased": {"de": "Daten eines Kontakts gelöscht", "en": "Contact erased"},
    "audit.privacy.purged": {
        "de": "Alte Gespräche gelöscht (Aufbewahrungsfrist)",
        "en": "Old conversations deleted (retention)",
    },
    "admin.privacy": {"de": "Datenschutz", "en": "Privacy"},
    "privacy.explain": {
        "de": "Anfragen nach DSGVO: Auskunft (Art. 15) und Löschung (Art. 17) der Daten eines "
        "Kontakts, über alle Gespräche, Redis und das CRM. Beides steht im Protokoll, ohne "
        "die Daten selbst. Kunden können beides auch selbst im Chat anstoßen.",
        "en": "GDPR requests: access to (Art. 15) and erasure of (Art. 17) a contact's data, "
        "across all conversations, Redis and the CRM. Both go into the audit log, without the "
        "data itself. Customers can also ask for either in the chat themselves.",
    },
    "privacy.export.title": {"de": "Auskunft (Export)", "en": "Access (export)"},
    "privacy.export.explain": {
        "de": "Lädt alles, was wir über den Kontakt speichern, als JSON-Datei herunter.",
        "en": "Downloads everything we store about the contact as a JSON file.",
    },
    "privacy.export.submit": {"de": "Als JSON herunterladen", "en": "Download as JSON"},
    "privacy.erase.title": {"de": "Löschung", "en": "Erasure"},
    "privacy.erase.explain": {
        "de": "Löscht den Kontakt mit allen Gesprächen, Nachrichten, Dateien, Notizen und "
        "Übergaben, seinen Zustand in Redis, und bittet das CRM, seine Kopie zu löschen. "
        "Offene Übergaben enden damit. Das lässt sich nicht rückgängig machen.",
        "en": "Deletes the contact with all conversations, messages, files, notes and "
        "handoffs and its state in Redis, and asks the CRM to delete its copy. Open handoffs "
        "end with it. This cannot be undone.",
    },
    "privacy.erase.submit": {"de": "Endgültig löschen", "en": "Erase for good"},
    "privacy.channel": {"de": "Kanal", "en": "Channel"},
    "privacy.chat_id": {"de": "Chat-ID", "en": "Chat id"},
    "privacy.phone": {"de": "oder Telefonnummer", "en": "or phone number"},
    "privacy.either": {
        "de": "Entweder Kanal und Chat-ID (wie im Gespräch angezeigt) oder eine Telefonnummer "
        "(WhatsApp, oder in Telegram geteilt).",
        "en": "Either channel and chat id (as the conversation shows them) or a phone number "
        "(WhatsApp, or shared in Telegram).",
    },
    "privacy.confirm": {
        "de": "Ich habe geprüft, dass die Anfrage von dieser Person stammt.",
        "en": "I have checked that the request comes from this person.",
    },
    "privacy.name_contact": {
        "de": "Bitte nennen Sie entweder eine Chat-ID oder eine Telefonnummer (6 bis 15 Ziffern).",
        "en": "Please give either a chat id or a phone number (6 to 15 digits).",
    },
    "privacy.confirm_needed": {
        "de": "Bitte bestätigen Sie die Prüfung, bevor Sie löschen.",
        "en": "Please confirm the check before erasing.",
    },
    "privacy.erased": {
        "de": "Gelöscht: {contacts} Kontakte, {conversations} Gespräche, {messages} Nachrichten, "
        "{files} Dateien, {redis} Einträge in Redis.",
        "en": "Erased: {contacts} contacts, {conversations} conversations, {messages} messages, "
        "{files} files, {redis} Redis entries.",
    },
    "privacy.handoffs_closed": {
        "de": "{count} offene Übergaben beendet.",
        "en": "{count} open handoffs ended.",
    },
    "privacy.crm_told": {
        "de": "Das CRM wird gebeten, seine Kopie zu löschen.",
        "en": "The CRM is asked to delete its copy.",
    },
    "privacy.nothing_found": {
        "de": "Zu diesen Angaben ist nichts gespeichert.",
        "en": "Nothing is stored for these details.",
    },
}
