"""Admin: sequences — the list, the builder, previews and test sends, enrollments and their timelines."""

from flask import Blueprint

bp = Blueprint("admin_sequences", __name__, url_prefix="/sequences")

# Route modules attach their views to the blueprint.
from nurture.web.admin.sequences import builder, enrollments, listing, previews  # noqa: E402,F401
