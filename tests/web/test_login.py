from tests.conftest import login


def test_admin_logs_in_and_sees_leads(client, admin):
    login(client, admin)
    assert client.get("/leads/").status_code == 200


def test_wrong_password_is_refused(client, admin):
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": admin.user.email, "password": "nope", "csrf_token": token})
    assert response.status_code == 401
    assert client.get("/leads/").status_code == 302


def test_login_without_csrf_token_is_refused(client, admin):
    response = client.post("/login", data={"email": admin.user.email, "password": admin.password})
    assert response.status_code == 400


def test_next_parameter_never_redirects_off_site(client, admin):
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": admin.user.email, "password": admin.password, "csrf_token": token},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
