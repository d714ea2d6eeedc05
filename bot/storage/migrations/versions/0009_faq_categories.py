"""faq categories: the menu's categories with their names per language, as data

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:12:10.433627
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The names the code carried until this revision, kept for the categories already in use
# (a copy: a migration must not change when the code does).
_FORMER_NAMES = {
    "contact": ("Kontakt & Servicezeiten", "Contact & service hours"),
    "shipping": ("Versand & Lieferung", "Shipping & delivery"),
    "payment": ("Zahlung & Rechnung", "Payment & invoices"),
    "returns": ("Rücksendung", "Returns"),
    "after_sales": ("Garantie, Reparatur & Service", "Warranty, repair & service"),
    "account": ("Kundenkonto", "Customer account"),
    "orders": ("Bestellungen ändern", "Changing orders"),
    "sales": ("Angebote & Mengenrabatt", "Quotes & volume discounts"),
    "privacy": ("Datenschutz", "Data privacy"),
    "news": ("Newsletter", "Newsletter"),
}


def upgrade() -> None:
    categories = op.create_table(
        "faq_categories",
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_faq_categories")),
    )
    used = {
        row[0]
        for row in op.get_bind().execute(sa.text("SELECT DISTINCT category FROM faq_entries"))
    }
    known = [slug for slug in _FORMER_NAMES if slug in used]
    rows = [
        {"slug": slug, "names": dict(zip(("de", "en"), _FORMER_NAMES[slug], strict=True))}
        for slug in known
    ]
    rows += [{"slug": slug, "names": {}} for slug in sorted(used - set(known))]
    op.bulk_insert(categories, [{**row, "position": index} for index, row in enumerate(rows)])


def downgrade() -> None:
    op.drop_table("faq_categories")
