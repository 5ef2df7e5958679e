"""The bare endpoint the tracking benchmark compares against: same server, same response, no recording."""

from flask import Flask, redirect

from nurture.web.public.tracking import PIXEL

app = Flask("bare")


@app.get("/t/o/<token>")
def open_pixel(token: str):  # type: ignore[no-untyped-def]
    return PIXEL, 200, {"Content-Type": "image/gif", "Cache-Control": "no-store, private"}


@app.get("/t/c/<token>")
def click(token: str):  # type: ignore[no-untyped-def]
    return redirect("https://example.com/guide", code=302)
