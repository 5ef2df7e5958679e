"""Stages shown by the names the team gave them (Admin → Definitions), read once a request."""

from __future__ import annotations

from flask import Flask, g

from nurture.stages.ladder import Ladder, load_ladder
from nurture.web.db import db


def request_ladder() -> Ladder:
    if "stage_ladder" not in g:
        g.stage_ladder = load_ladder(db())
    return g.stage_ladder


def stage_name(key: object) -> str:
    return request_ladder().name(str(key)) if key else ""


def stage_names() -> dict[str, str]:
    return {stage.key: stage.name for stage in request_ladder().stages}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(stage_name=stage_name, stage_names=stage_names)
