"""Every user-facing string goes through Flask-Babel, and the Spanish catalog is complete.

The catalog tests extract the strings afresh, so a string added without a translation
fails here. Fix it with `scripts/translations.sh all`, translate the new entries in
deliberate/translations/es/LC_MESSAGES/messages.po, then `scripts/translations.sh compile`.
"""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import make_member

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "deliberate" / "translations"
SPANISH_PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
SPANISH_MO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.mo"
# The same keywords as scripts/translations.sh.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


def page(client, path: str, language: str) -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


# -- the language follows the browser ------------------------------------------------------


SPANISH = {
    "/": ["Afiliarse como miembro", "La organización en cifras", "miembros activos"],
    "/login": ["Iniciar sesión", "¿Ha olvidado su contraseña?", "Mantener la sesión iniciada"],
    "/register": ["Acepto esta declaración", "Crear mi cuenta", "¿Ya es miembro?"],
}
ENGLISH = {
    "/": ["Join as a member", "The organisation in numbers", "active members"],
    "/login": ["Sign in", "Forgot your password?", "Keep me signed in on this device"],
    "/register": ["I accept this declaration", "Create my account", "Already a member?"],
}


@pytest.mark.parametrize("path", sorted(SPANISH))
def test_pages_are_in_spanish_when_the_browser_asks_for_it(client, path):
    html = page(client, path, "es-ES,es;q=0.9,en;q=0.5")
    assert '<html lang="es"' in html
    for text in SPANISH[path]:
        assert text in html
    for text in ENGLISH[path]:
        assert text not in html


@pytest.mark.parametrize("path", sorted(ENGLISH))
def test_pages_are_in_english_when_the_browser_asks_for_it(client, path):
    html = page(client, path, "en-GB,en;q=0.9")
    assert '<html lang="en"' in html
    for text in ENGLISH[path]:
        assert text in html
    for text in SPANISH[path]:
        assert text not in html


def test_an_unsupported_browser_language_falls_back_to_english(client):
    html = page(client, "/login", "de-DE,de;q=0.9")
    assert "Forgot your password?" in html


def test_error_pages_are_translated_but_api_error_codes_are_not(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No encontrado" in html and "Aquí no hay nada." in html
    api = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "es"})
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


# -- the member's own setting wins over the browser -----------------------------------------


def test_member_language_setting_overrides_the_browser(app, client, auth):
    make_member(app)
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    assert auth.login().status_code == 302
    form = client.get("/account", headers=english).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post(
        "/account",
        data={"csrf_token": token, "display_name": "Ann Example", "language": "es"},
        headers=english,
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Su configuración se ha guardado." in html  # the flash, already in Spanish
    home = page(client, "/", "en-GB,en;q=0.9")
    assert '<html lang="es"' in home and "Cerrar sesión" in home and "Sign out" not in home

    # Back to "as my browser prefers": the browser decides again.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post(
        "/account",
        data={"csrf_token": token, "display_name": "Ann Example", "language": ""},
        headers=english,
    )
    home = page(client, "/", "en-GB,en;q=0.9")
    assert "Sign out" in home and "Cerrar sesión" not in home


# -- the catalog is complete -----------------------------------------------------------------


def _catalog():
    with SPANISH_PO.open("rb") as handle:
        return read_po(handle, locale="es")


def _entries():
    return [message for message in _catalog() if message.id]


def _extracted_ids() -> set[str]:
    with (TRANSLATIONS / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _strings(value) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [value]


def test_the_spanish_catalog_has_no_empty_or_fuzzy_translation():
    entries = _entries()
    assert len(entries) > 700
    assert not [m.id for m in entries if m.fuzzy], "fuzzy entries: translate, remove the flag"
    assert not [m.id for m in entries if not all(_strings(m.string))], "empty translations"


def test_every_extracted_string_is_in_the_spanish_catalog():
    extracted = _extracted_ids()
    assert len(extracted) > 700  # the extraction really read the templates and the code
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _entries()}
    missing = sorted(extracted - translated)
    assert not missing, (
        f"{len(missing)} string(s) not in the Spanish catalog; run scripts/translations.sh all "
        f"and translate them: {missing[:10]}"
    )


def test_placeholders_are_the_same_in_every_translation():
    wrong = []
    for message in _entries():
        names = {name for text in _strings(message.id) for name in PLACEHOLDER.findall(text)}
        for text in _strings(message.string):
            if set(PLACEHOLDER.findall(text)) != names:
                wrong.append((message.id, text))
    assert not wrong


def test_the_compiled_catalog_matches_the_po_file():
    """The .mo is committed: it must be recompiled whenever the .po changes."""
    with SPANISH_MO.open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    source = {m.id: m.string for m in _entries()}
    assert compiled == source, "run scripts/translations.sh compile"
