"""``status_label(key)`` in templates: a lead status as its team calls it (one query a request, when used)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g

from nurture.keys import key_words
from nurture.leads.status_values import status_labels
from nurture.web.db import db


def status_label(key: Any) -> str:
    if key is None:
        return ""
    labels = g.get("status_labels")
    if labels is None:
        labels = g.status_labels = status_labels(db())
    text = str(key)
    return labels.get(text) or key_words(text)


def init_app(app: Flask) -> None:
    app.add_template_global(status_label)
    app.add_template_global(key_words)  # the humanize macro
