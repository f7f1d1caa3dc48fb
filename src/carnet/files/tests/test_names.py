"""File names are made safe to show and to send back in a download."""

from __future__ import annotations

import pytest

from carnet.files.services import MAX_NAME_LENGTH, clean_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system.pdf", "system.pdf"),
        ("/absolu/chemin/Contrat.pdf", "Contrat.pdf"),
        ("Facture\x00\x1b[31m.pdf", "Facture[31m.pdf"),
        ("ligne\r\nretour.pdf", "ligneretour.pdf"),
        ("Devis\u202eFDP.exe.pdf", "DevisFDP.exe.pdf"),
        ("Relevé d'identité bancaire.pdf", "Relevé d'identité bancaire.pdf"),
        ('a<b>c:d"e|f?g*.pdf', "a_b_c_d_e_f_g_.pdf"),
        ("..", "document"),
        (".htaccess", "htaccess"),
        ("  espaces   multiples .pdf ", "espaces multiples .pdf"),
        ("", "document"),
    ],
)
def test_it_makes_names_safe_and_keeps_accents(raw, expected):
    assert clean_name(raw) == expected


def test_it_shortens_long_names_and_keeps_the_extension():
    name = clean_name("é" * 500 + ".pdf")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith(".pdf")
