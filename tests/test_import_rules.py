"""The layering of DESIGN.md, enforced: Flask only in nurture/web, RQ only in workers/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(folder: str, forbidden: tuple[str, ...], exempt: tuple[str, ...] = (), root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(exempt):
            continue
        for name in sorted(imported_modules(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{rel} imports {name}")
    return found


# The CLI is the composition root: it starts the web server and workers, importing them lazily.
CORE_EXEMPT = ("nurture/web/", "nurture/cli/")


def test_core_imports_no_flask_no_rq_no_workers():
    assert offenders("nurture", ("flask", "flask_login", "flask_wtf", "flask_limiter", "werkzeug", "rq", "workers", "campaigns.web"), CORE_EXEMPT) == []


def test_core_does_not_import_the_web_layer():
    assert offenders("nurture", ("nurture.web",), CORE_EXEMPT) == []


def test_campaigns_import_no_flask_and_no_rq():
    assert offenders("campaigns", ("flask", "rq", "workers", "nurture.web")) == []


def test_workers_do_not_import_flask():
    assert offenders("workers", ("flask", "nurture.web")) == []


def test_the_rule_checker_catches_a_lazy_violation(tmp_path):
    (tmp_path / "nurture" / "web").mkdir(parents=True)
    (tmp_path / "nurture" / "probe.py").write_text("def f():\n    from flask import g\n")
    (tmp_path / "nurture" / "web" / "ok.py").write_text("import flask\n")
    assert offenders("nurture", ("flask",), CORE_EXEMPT, root=tmp_path) == ["nurture/probe.py imports flask"]
