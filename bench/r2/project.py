"""The Rasa project of reference R2: our NLU pipeline and training data, a rules-only core
that answers each intent with one fixed response, and Rasa's Telegram connector."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.devtools.telegram_standin import BOT_USER, STANDIN_TOKEN
from bot.nlu_data import training_yaml_for
from faq.model import LANGUAGES, FaqEntryData
from handlers.texts import text
from nlu.training_data import CONFIG_FILE, base_intent_names

CONNECTOR_SOURCE = Path(__file__).resolve().parent / "standin_connector.py"
CONNECTOR_CLASS = "standin_connector.StandinTelegramInput"  # imported from the cwd of `rasa run`
CREDENTIALS_FILE = "credentials.yml"
# What the model is trained from: the model's name is their hash (credentials are not in it).
MODEL_FILES = ("config.yml", "domain.yml", "data/nlu.yml", "data/rules.yml")
# Rasa expands ${...} in credentials.yml from the environment: the stand-in's URL and the
# webhook's port change from run to run, the trained model does not.
API_URL_VARIABLE = "R2_TELEGRAM_API_URL"
WEBHOOK_URL_VARIABLE = "R2_TELEGRAM_WEBHOOK_URL"

# Our base intents answered with our own fixed sentence (handlers/texts.py); a plain Rasa bot
# asks for the order number but cannot look it up, and hands over to nobody.
_BASE_ANSWERS = {
    "greet": "greet",
    "goodbye": "goodbye",
    "thanks": "thanks",
    "order_status": "order_ask_number",
    "human_handoff": "handoff",
    "complaint": "handoff",
    "out_of_scope": "fallback",
}
# A plain Rasa bot answers in one language: telling the customer's language apart needs
# slots or custom actions, which R2 (what a user sets up instead of us) does not have. So
# every answer is the German one, our first language.
_LANGUAGE = LANGUAGES[0]


class _BlockDumper(yaml.SafeDumper):
    """Multi-line answers as literal blocks, so the project reads like a hand-written one."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    )


_BlockDumper.add_representer(str, _str_representer)


def _dump(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=100)


def answers(entries: Sequence[FaqEntryData]) -> dict[str, str]:
    """The response text of every intent: base intents first, then one per FAQ topic."""
    by_intent = {
        intent: text(_BASE_ANSWERS.get(intent, "fallback"), _LANGUAGE)
        for intent in sorted(base_intent_names())
    }
    topics: dict[str, str] = {}
    for entry in entries:
        if entry.language == _LANGUAGE or entry.slug not in topics:
            topics[entry.slug] = entry.answer
    return by_intent | dict(sorted(topics.items()))


def config_document() -> dict[str, Any]:
    """Our pipeline unchanged (nlu/rasa/config.yml), with a core made of rules only."""
    config: dict[str, Any] = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    config["assistant_id"] = "servicebot-bench-r2"
    config["policies"] = [
        {
            # Every intent has a rule, so a rule always applies; the core fallback (utter_default)
            # answers only when none does. Its threshold is Rasa's default.
            "name": "RulePolicy",
            "core_fallback_threshold": 0.3,
            "core_fallback_action_name": "action_default_fallback",
            "enable_fallback_prediction": True,
        }
    ]
    return config


def domain_document(intent_answers: dict[str, str]) -> dict[str, Any]:
    """An intent and an `utter_<intent>` response per intent, and the core fallback's answer."""
    responses = {f"utter_{intent}": [{"text": answer}] for intent, answer in intent_answers.items()}
    responses["utter_default"] = [{"text": text("fallback", _LANGUAGE)}]
    return {"version": "3.1", "intents": list(intent_answers), "responses": responses}


def rules_document(intents: Sequence[str]) -> dict[str, Any]:
    """One rule per intent: whenever the customer says it, utter its response."""
    rules = [
        {"rule": f"answer {intent}", "steps": [{"intent": intent}, {"action": f"utter_{intent}"}]}
        for intent in intents
    ]
    return {"version": "3.1", "rules": rules}


def credentials_text() -> str:
    """Rasa's Telegram connector (with the stand-in's URL) as the only channel."""
    return (
        "# Rasa's Telegram connector, its Bot API base URL taken from api_url\n"
        "# (bench/r2/standin_connector.py); ${...} is filled in from the environment by Rasa.\n"
        f"{CONNECTOR_CLASS}:\n"
        f'  access_token: "{STANDIN_TOKEN}"\n'
        f'  verify: "{BOT_USER["username"]}"\n'
        f"  webhook_url: ${{{WEBHOOK_URL_VARIABLE}}}\n"
        f"  api_url: ${{{API_URL_VARIABLE}}}\n"
    )


def write_project(directory: Path, entries: Sequence[FaqEntryData]) -> None:
    """Write the R2 Rasa project (config, domain, NLU data, rules, credentials, connector)."""
    intent_answers = answers(entries)
    files = {
        "config.yml": _dump(config_document()),
        "domain.yml": _dump(domain_document(intent_answers)),
        # Exactly what our own model trains on.
        "data/nlu.yml": training_yaml_for(entries),
        "data/rules.yml": _dump(rules_document(list(intent_answers))),
        CREDENTIALS_FILE: credentials_text(),
    }
    (directory / "data").mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_text(content, encoding="utf-8")
    shutil.copyfile(CONNECTOR_SOURCE, directory / CONNECTOR_SOURCE.name)


def project_hash(directory: Path) -> str:
    """Names the model: same config, domain and data, same model, no retraining."""
    digest = hashlib.sha256()
    for name in MODEL_FILES:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update((directory / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]
