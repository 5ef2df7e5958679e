"""The users page: only admins manage people; secrets are shown once."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from nurture.models import ApiToken, Role, User
from nurture.users.tokens import user_for_token
from tests.conftest import Account, login

SECRET = re.compile(r'<code class="secret">([^<]+)</code>')


def csrf(client) -> str:
    page = client.get("/leads/").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def can_log_in(app: Flask, email: str, password: str) -> bool:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code == 302


def test_anonymous_is_sent_to_login(client):
    response = client.get("/users/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.REP, Role.MARKETER])
def test_only_admins_may_manage_users(client, session, make_account, role):
    login(client, make_account(role))
    assert client.get("/users/").status_code == 403
    token = csrf(client)
    response = client.post("/users/", data={"email": "sneaky@example.com", "role": "admin", "csrf_token": token})
    assert response.status_code == 403
    assert session.scalar(select(User).where(User.email == "sneaky@example.com")) is None


def test_admin_sees_every_user(client, admin, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    login(client, admin)
    page = client.get("/users/").get_data(as_text=True)
    assert "rep@example.com" in page and "admin@example.com" in page
    assert "Rep" in page and "Active" in page
    assert "Never" in page  # the rep has not logged in yet
    assert f'action="/users/{rep.user.id}/deactivate"' in page
    assert f'action="/users/{admin.user.id}/deactivate"' not in page  # no way to lock yourself out


def test_created_user_gets_a_generated_password_shown_once(app, client, session, admin):
    login(client, admin)
    response = client.post(
        "/users/",
        data={
            "email": "New.Rep@Example.com",
            "name": "New Rep",
            "role": "rep",
            "password": "",
            "csrf_token": csrf(client),
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Created new.rep@example.com (rep) with a generated password." in text
    password = SECRET.search(text).group(1)
    assert len(password) >= 10

    assert SECRET.search(client.get("/users/").get_data(as_text=True)) is None  # shown once
    user = session.scalar(select(User).where(User.email == "new.rep@example.com"))
    assert (user.name, user.role, user.active) == ("New Rep", Role.REP, True)
    assert can_log_in(app, "new.rep@example.com", password)
    assert not can_log_in(app, "new.rep@example.com", "wrong password!")


def test_created_user_with_a_chosen_password(app, client, admin):
    login(client, admin)
    data = {
        "email": "m@example.com",
        "role": "marketer",
        "password": "a long chosen password",
        "csrf_token": csrf(client),
    }
    page = client.post("/users/", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Created m@example.com (marketer)." in page
    assert SECRET.search(page) is None and "a long chosen password" not in page
    assert can_log_in(app, "m@example.com", "a long chosen password")


def test_bad_input_is_shown_per_field_and_the_password_is_not_echoed(client, session, admin):
    login(client, admin)
    data = {
        "email": "not-an-email",
        "name": "Kept Name",
        "role": "overlord",
        "password": "short",
        "csrf_token": csrf(client),
    }
    response = client.post("/users/", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error">Email address invalid</p>' in page
    assert 'id="role-error">Unknown role' in page
    assert 'id="password-error">Too short' in page
    assert 'value="Kept Name"' in page and 'value="not-an-email"' in page
    assert 'value="short"' not in page

    duplicate = client.post("/users/", data={**data, "email": "ADMIN@example.com", "role": "rep", "password": ""})
    assert duplicate.status_code == 422
    assert "A user with this email address already exists" in duplicate.get_data(as_text=True)
    assert session.scalar(select(User).where(User.name == "Kept Name")) is None


def test_deactivated_user_cannot_log_in_until_reactivated(app, client, session, admin, make_account):
    rep: Account = make_account(Role.REP, "rep@example.com")
    rep_client = app.test_client()
    login(rep_client, rep)
    login(client, admin)

    page = client.post(f"/users/{rep.user.id}/deactivate", data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert "rep@example.com is deactivated" in page.get_data(as_text=True)
    session.expire_all()
    assert rep.user.active is False
    assert not can_log_in(app, "rep@example.com", rep.password)
    assert rep_client.get("/leads/").status_code == 302  # the open session ends too
    assert user_for_token(session, rep.token) is None

    client.post(f"/users/{rep.user.id}/reactivate", data={"csrf_token": csrf(client)})
    session.expire_all()
    assert rep.user.active is True
    assert can_log_in(app, "rep@example.com", rep.password)


def test_an_admin_cannot_deactivate_themself(client, session, admin):
    login(client, admin)
    page = client.post(f"/users/{admin.user.id}/deactivate", data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert "You cannot deactivate yourself" in page.get_data(as_text=True)
    session.expire_all()
    assert admin.user.active is True
    assert client.get("/users/").status_code == 200


def test_changes_are_posts_with_the_csrf_token(client, admin, make_account):
    rep = make_account(Role.REP)
    login(client, admin)
    assert client.get(f"/users/{rep.user.id}/deactivate").status_code == 405
    assert client.post(f"/users/{rep.user.id}/deactivate").status_code == 400
    assert client.post("/users/999999/deactivate", data={"csrf_token": csrf(client)}).status_code == 404


def test_api_token_is_shown_once_and_works(client, session, admin, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    login(client, admin)
    response = client.post(f"/users/{rep.user.id}/tokens", data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "API token for rep@example.com created." in page
    token = SECRET.search(page).group(1)
    assert token.startswith("nt_")
    assert SECRET.search(client.get("/users/").get_data(as_text=True)) is None

    assert user_for_token(session, token).id == rep.user.id
    assert session.scalar(select(ApiToken).where(ApiToken.prefix == token[:10])).name == "Created in the admin"
