"""Which language a page or an API answer is in."""

from __future__ import annotations

from django.test import Client as HttpClient


def test_pages_are_french_whatever_the_browser_prefers(db):
    page = HttpClient().get("/login/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200
    assert 'lang="fr"' in page.content.decode()


def test_the_language_switch_turns_pages_english(db):
    browser = HttpClient()
    browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = browser.get("/login/")
    assert 'lang="en"' in page.content.decode()


def test_the_api_follows_accept_language(api):
    english = api.get("/clients", limit="0", headers={"Accept-Language": "en"})
    french = api.get("/clients", limit="0")
    assert english["Content-Language"] == "en"
    assert french["Content-Language"] == "fr"
    assert english.json()["errors"][0]["message"] != french.json()["errors"][0]["message"]
