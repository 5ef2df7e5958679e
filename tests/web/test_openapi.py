"""The OpenAPI document is valid and describes every /api/v1 route the app serves."""

import re

from openapi_spec_validator import validate


def test_the_document_is_valid_openapi(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    validate(response.json)


def test_every_api_route_is_documented(app, client):
    documented = {
        (path, method.upper())
        for path, item in client.get("/api/openapi.json").json["paths"].items()
        for method in item
        if method != "parameters"
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served and served == documented
