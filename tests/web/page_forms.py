"""Read a page's form the way a browser would submit it, so tests post exactly what the page offers."""

from __future__ import annotations

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


class _FormReader(HTMLParser):
    def __init__(self, selector: str):
        super().__init__(convert_charrefs=True)
        self.selector = selector  # a class the form must have
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.found = False
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.selector in a.get("class", "").split():
            self.inside = self.found = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value") or "on"))
            elif kind not in ("submit", "button", "reset"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea[1])
            self.fields.append((self._textarea[0], text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None


class PageForm:
    """The fields of one form of a page, editable, then posted with the button pressed."""

    def __init__(self, page: str, selector: str = "builder"):
        reader = _FormReader(selector)
        reader.feed(page)
        assert reader.found, f"no form with class {selector!r} on the page"
        self.fields = reader.fields

    def get(self, name: str) -> str:
        return next(v for k, v in self.fields if k == name)

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.fields if k == name]

    def set(self, name: str, value: str | list[str]) -> PageForm:
        values = value if isinstance(value, list) else [value]
        position = next((i for i, (k, _v) in enumerate(self.fields) if k == name), len(self.fields))
        self.fields = [(k, v) for k, v in self.fields if k != name]
        self.fields[position:position] = [(name, v) for v in values]
        return self

    def update(self, values: dict[str, str | list[str]]) -> PageForm:
        for name, value in values.items():
            self.set(name, value)
        return self

    def data(self, op: str) -> MultiDict[str, str]:
        return MultiDict([*self.fields, ("op", op)])
