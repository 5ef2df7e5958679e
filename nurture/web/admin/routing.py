"""Admin: lead routing — reps' weight, capacity, manager and away (and what happens to their work meanwhile);
ordered territories. Reps set their own away."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from campaigns.rep_away import apply_away, back_early
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.handoff.territories import list_territories, move_territory, save_territory
from nurture.models import Role, Territory, User
from nurture.users.availability import set_away, set_routing
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_routing", __name__, url_prefix="/routing")


def _reps() -> list[User]:
    return list(db().scalars(select(User).where(User.role == Role.REP).order_by(User.email)))


def _rep_values(rep: User) -> dict[str, str]:
    return {
        "routing_weight": str(rep.routing_weight), "capacity": str(rep.capacity),
        "manager_user_id": str(rep.manager_user_id or ""), "away": "on" if rep.away else "",
        "away_until": rep.away_until.date().isoformat() if rep.away_until else "",
    }  # fmt: skip


def _render_index(failed: int | None = None, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                  status: int = 200) -> Any:  # fmt: skip
    reps = _reps()
    rows = {rep.id: values if rep.id == failed and values is not None else _rep_values(rep) for rep in reps}
    managers = list(db().scalars(select(User).where(User.active.is_(True)).order_by(User.email)))
    page = render_template(
        "web/routing/index.html", reps=reps, rows=rows, failed=failed, errors=errors or {}, managers=managers,
        territories=list_territories(db()), now=utcnow(),
    )  # fmt: skip
    return page, status


@bp.get("/")
@roles_required(Role.ADMIN)
def index() -> Any:
    return _render_index()


def _posted(names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.form.get(name, "")[:100] for name in names}


@bp.post("/reps/<int:user_id>")
@roles_required(Role.ADMIN)
def update_rep(user_id: int) -> Any:
    session = db()
    rep = session.get(User, user_id)
    if rep is None or rep.role != Role.REP:
        abort(404)
    values = _posted(("routing_weight", "capacity", "manager_user_id", "away", "away_until", "while_away", "reassign_to"))
    errors: dict[str, str] = {}
    done: list[str] = []
    for change in (lambda: set_routing(session, rep, values), lambda: done.append(_set_away(rep, values))):
        try:
            change()
        except ValidationError as exc:
            errors |= exc.errors
    if errors:
        session.rollback()
        return _render_index(rep.id, values, errors, 422)
    session.commit()
    flash(" ".join([f"Routing for {rep.email} saved.", *filter(None, done)]), "success")
    return redirect(url_for("admin_routing.index"))


def _set_away(rep: User, values: dict[str, str]) -> str:
    """Away or back, and what happens to the rep's work meanwhile (campaigns/rep_away.py); in words."""
    session, now = db(), utcnow()
    was_away = rep.is_away(now)
    set_away(rep, bool(values["away"]), values["away_until"], actor=_me(), now=now)
    if rep.is_away(now):
        return apply_away(session, rep, values.get("while_away") or "keep", values.get("reassign_to", ""), actor=_me(), now=now)
    if was_away and (resumed := back_early(session, rep, now)):
        return f"{resumed} paused cadence enrollment(s) resumed."
    return ""


def _me() -> User:
    return db().get(User, current_user.id) or abort(403)


@bp.route("/me", methods=["GET", "POST"])
@roles_required(Role.REP)
def me() -> Any:
    session = db()
    user = _me()
    if request.method == "GET":
        return render_template("web/routing/me.html", user=user, values=_rep_values(user), errors={}, now=utcnow(), reps=_reps())
    values = _posted(("away", "away_until", "while_away", "reassign_to"))
    try:
        done = _set_away(user, values)
    except ValidationError as exc:
        session.rollback()
        return render_template("web/routing/me.html", user=user, values=values, errors=exc.errors, now=utcnow(), reps=_reps()), 422
    session.commit()
    flash(" ".join(filter(None, ["You are away: no new leads come to you." if user.away else "You are available for new leads.", done])),
          "success")  # fmt: skip
    return redirect(url_for("admin_routing.me"))


def _territory(territory_id: int) -> Territory:
    return db().get(Territory, territory_id) or abort(404)


def _territory_values(territory: Territory | None) -> dict[str, Any]:
    if territory is None:
        return {"name": "", "countries": "", "min_company_size": "", "max_company_size": "", "rep_ids": []}
    return {
        "name": territory.name, "countries": ", ".join(territory.countries),
        "min_company_size": "" if territory.min_company_size is None else str(territory.min_company_size),
        "max_company_size": "" if territory.max_company_size is None else str(territory.max_company_size),
        "rep_ids": [str(r.id) for r in territory.reps],
    }  # fmt: skip


@bp.route("/territories/new", methods=["GET", "POST"], defaults={"territory_id": None})
@bp.route("/territories/<int:territory_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def territory(territory_id: int | None) -> Any:
    session = db()
    existing = _territory(territory_id) if territory_id is not None else None
    if request.method == "GET":
        values = _territory_values(existing)
        return render_template("web/routing/territory.html", territory=existing, values=values, errors={}, reps=_reps())
    values = {**_posted(("name", "countries", "min_company_size", "max_company_size")), "rep_ids": request.form.getlist("rep_ids")}
    try:
        saved = save_territory(session, existing, values)
    except ValidationError as exc:
        session.rollback()
        page = render_template("web/routing/territory.html", territory=existing, values=values, errors=exc.errors, reps=_reps())
        return page, 422
    session.commit()
    flash(f"Territory “{saved.name}” saved.", "success")
    return redirect(url_for("admin_routing.index"))


@bp.post("/territories/<int:territory_id>/move")
@roles_required(Role.ADMIN)
def move(territory_id: int) -> Any:
    move_territory(db(), _territory(territory_id), -1 if request.form.get("direction") == "up" else 1)
    db().commit()
    return redirect(url_for("admin_routing.index"))


@bp.post("/territories/<int:territory_id>/delete")
@roles_required(Role.ADMIN)
def delete(territory_id: int) -> Any:
    item = _territory(territory_id)
    db().delete(item)
    db().commit()
    flash(f"Territory “{item.name}” deleted.", "success")
    return redirect(url_for("admin_routing.index"))
