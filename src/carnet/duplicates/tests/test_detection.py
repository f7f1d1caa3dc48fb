"""The duplicate-detection engine, on candidates made in the test: no database."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.core.text import fold
from carnet.duplicates import detection
from carnet.duplicates.detection import (
    BUCKET_CAP,
    LEGAL_FORMS,
    LIKELY_SCORE_CAP,
    Candidate,
    Pair,
    find_pairs,
    group_pairs,
    normalize_name,
    pair_key,
    score_pair,
)

BLANK = Candidate(
    id=0,
    kind="company",
    name="",
    email="",
    siret="",
    siren="",
    vat_number="",
    phones=(),
    postcode="",
    city="",
)


def client(id: int, name: str = "", **values: Any) -> Candidate:
    """A candidate with nothing but what the test says (a company by default)."""
    return replace(BLANK, id=id, name=name or f"Client numéro {id}", **values)


def codes(pair: Pair | None) -> list[str]:
    assert pair is not None
    return [reason.code for reason in pair.reasons]


def pairs_by_key(candidates: list[Candidate]) -> dict[tuple[int, int], Pair]:
    return {(pair.first, pair.second): pair for pair in find_pairs(candidates)}


# --- Normalized names ------------------------------------------------------------------------
def test_legal_forms_and_punctuation_are_removed():
    assert normalize_name("SARL Boulangerie Martin") == "boulangerie martin"
    assert normalize_name("Boulangerie-Martin S.A.R.L.") == "boulangerie martin"
    assert normalize_name("Boulangerie Martin (SAS)") == "boulangerie martin"
    assert normalize_name("Société Dupont, S.A.") == "dupont"


def test_accents_and_case_are_ignored():
    assert normalize_name("PÂTISSERIE LEFÈVRE") == normalize_name("Pâtisserie Lefèvre")
    assert normalize_name("Pâtisserie Lefèvre") == "patisserie lefevre"
    assert normalize_name("Bœuf & Cœur") == "boeuf et coeur"


def test_every_legal_form_is_removed():
    for form in LEGAL_FORMS:
        assert normalize_name(f"Martin {form}") == "martin", form
        assert normalize_name(f"{form.upper()} Martin") == "martin", form


def test_generic_words_are_removed_only_at_the_start():
    assert normalize_name("Sté Martin") == "martin"
    assert normalize_name("Ets. Durand et Fils") == "durand et fils"
    assert normalize_name("Entreprise SARL Petit") == "petit"
    assert normalize_name("Boulangerie Ste Anne") == "boulangerie ste anne"


def test_a_name_made_of_legal_forms_only_is_kept():
    assert normalize_name("SAS") == "sas"
    assert normalize_name("") == ""


def reference_normalize(name: str) -> str:
    """normalize_name written plainly on ``fold``, without its fast paths."""
    folded = fold(name)
    folded = re.sub(r"(?<!\w)(?:\w\.){2,}", lambda m: m.group().replace(".", ""), folded)
    words = re.sub(r"[\W_]+", " ", folded.replace("&", " et ")).split()
    kept = [w for w in words if w not in {fold(f) for f in LEGAL_FORMS}]
    leading = {fold(w) for w in detection.GENERIC_LEADING_WORDS}
    while kept and kept[0] in leading:
        del kept[0]
    return " ".join(kept or words)


@given(st.text())
def test_normalizing_any_text_gives_what_plain_folding_gives(name):
    assert normalize_name(name) == reference_normalize(name)


@given(st.text(alphabet=st.characters(max_codepoint=0x24F)))
def test_normalizing_latin_text_gives_what_plain_folding_gives(name):
    assert normalize_name(name) == reference_normalize(name)


@given(st.text(alphabet="aAéÉèçÇœŒßæÆîÏôÔüÛñ .-&'’_,SARLsa\u00a0\u0301"))
def test_normalizing_french_text_gives_what_plain_folding_gives(name):
    assert normalize_name(name) == reference_normalize(name)


# --- Exact reasons ---------------------------------------------------------------------------
def test_the_same_email_is_an_exact_duplicate():
    pair = score_pair(
        client(1, "Jean Martin", kind="individual", email="Jean.Martin@orange.fr"),
        client(2, "J. Martin", kind="individual", email="jean.martin@orange.fr"),
    )
    assert pair is not None
    assert (pair.first, pair.second, pair.score, pair.exact) == (1, 2, 100, True)
    assert pair.reasons == [detection.Reason("same_email", "jean.martin@orange.fr")]


def test_the_same_siret_is_an_exact_duplicate():
    a = client(7, "Boulangerie Martin", siret="73282932000074", siren="732829320")
    pair = score_pair(a, replace(a, id=3, name="Autre nom"))
    assert pair is not None
    assert (pair.first, pair.second, pair.score, pair.exact) == (3, 7, 100, True)
    assert codes(pair) == ["same_siret"]  # the SIREN goes without saying


def test_the_same_vat_number_is_an_exact_duplicate():
    pair = score_pair(
        client(1, "Brouwerij Janssens", vat_number="BE0123456749"),
        client(2, "Janssens NV", vat_number="BE0123456749"),
    )
    assert pair is not None and pair.exact and pair.score == 100
    assert codes(pair) == ["same_vat_number"]


def test_an_exact_reason_with_likely_ones_scores_100():
    pair = score_pair(
        client(1, "Garage Petit", email="contact@garage-petit.fr", phones=("+33142685300",)),
        client(2, "Garage Petit", email="contact@garage-petit.fr", phones=("+33142685300",)),
    )
    assert pair is not None and pair.score == 100 and pair.exact
    assert codes(pair) == ["same_email", "same_phone"]


# --- Likely reasons --------------------------------------------------------------------------
def test_establishments_of_one_company_are_likely_duplicates():
    head_office = client(
        1,
        "Transports Durand",
        siret="73282932000074",
        siren="732829320",
        vat_number="FR44732829320",
    )
    branch = replace(head_office, id=2, siret="73282932000132", postcode="69003", city="Lyon")
    pair = score_pair(head_office, branch)
    assert pair is not None and not pair.exact
    # Their shared VAT number comes from the SIREN: no exact reason.
    assert codes(pair) == ["same_siren"]
    assert pair.score == detection.SAME_SIREN_SCORE


def test_the_same_siren_with_one_siret_missing_is_likely():
    pair = score_pair(
        client(1, "Durand", siret="73282932000074", siren="732829320"),
        client(2, "Transports Durand", siren="732829320"),
    )
    assert codes(pair) == ["same_siren"]


def test_the_same_phone_is_a_likely_duplicate():
    pair = score_pair(
        client(1, "Cabinet Roux", phones=("+33142685300", "+33612345678")),
        client(2, "Roux Conseil", phones=("+33612345678",)),
    )
    assert pair is not None and not pair.exact
    assert pair.reasons == [detection.Reason("same_phone", "+33612345678")]
    assert pair.score == detection.SAME_PHONE_SCORE


def test_several_likely_reasons_add_up_below_an_exact_one():
    a = client(1, "Transports Durand", siren="732829320", phones=("+33142685300",))
    b = client(2, "Transports Durand", siren="732829320", phones=("+33142685300",))
    pair = score_pair(a, b)
    assert pair is not None and not pair.exact
    assert detection.SAME_SIREN_SCORE < pair.score < 100
    both = score_pair(replace(a, postcode="69003"), replace(b, postcode="69003"))
    assert both is not None and both.score == LIKELY_SCORE_CAP
    assert codes(both) == ["same_siren", "same_phone", "similar_name"]


def test_nothing_in_common_is_no_pair():
    assert score_pair(client(1, "Garage Petit"), client(2, "Boulangerie Martin")) is None


# --- Names -----------------------------------------------------------------------------------
def test_the_same_name_at_the_same_postcode_is_likely():
    pair = score_pair(
        client(1, "SARL Boulangerie Martin", postcode="69003", city="Lyon"),
        client(2, "Boulangerie-Martin S.A.R.L.", postcode="69003", city="LYON"),
    )
    assert pair is not None and not pair.exact
    assert pair.reasons == [detection.Reason("similar_name", "100%")]
    assert pair.score == detection.SAME_NAME_SCORE


def test_names_are_compared_only_at_the_same_postcode_or_city():
    a = client(1, "Boulangerie Martin", postcode="69003", city="Lyon")
    assert score_pair(a, client(2, "Boulangerie Martin", postcode="69007", city="Lyon")) is None
    assert score_pair(a, client(3, "Boulangerie Martin", city="Paris")) is None
    assert score_pair(a, client(4, "Boulangerie Martin")) is None
    assert score_pair(client(5, "Boulangerie Martin"), client(6, "Boulangerie Martin")) is None


def test_without_a_postcode_the_same_city_will_do():
    with_postcode = client(1, "Garage Petit", postcode="42000", city="Saint-Étienne")
    without = client(2, "Garage Petit", city="ST ETIENNE")
    pair = score_pair(with_postcode, without)
    assert pair is not None
    assert pair.score == detection.SAME_NAME_SCORE - detection.CITY_ONLY_PENALTY
    assert pairs_by_key([with_postcode, without]).keys() == {(1, 2)}
    assert score_pair(without, client(3, "Garage Petit", city="Lyon Cedex 03")) is None
    lyon = client(4, "Garage Petit", city="Lyon")
    assert score_pair(client(3, "Garage Petit", city="Lyon Cedex 03"), lyon) is not None


def test_a_typo_is_found():
    right = client(1, "Boulangerie Martin", postcode="69003", city="Lyon")
    typo = client(2, "Boulangerie Martim", postcode="69003", city="Lyon")
    pair = score_pair(right, typo)
    assert pair is not None
    assert pair.score == detection.MISTYPED_NAME_SCORE
    assert pair.reasons == [detection.Reason("similar_name", "94%")]
    others = [
        client(10 + n, f"Boulangerie {word}", postcode="69003", city="Lyon")
        for n, word in enumerate(["Dupont", "Petit", "Morel", "Martinez", "Maréchal", "Marin"])
    ]
    assert (1, 2) in pairs_by_key([right, *others, typo])


def test_a_typo_is_found_among_many_names_of_one_postcode():
    # A hundred names sort between each typo and its original: found backwards.
    names = [f"Qk {n:03d}" for n in range(100)] + [f"Pharmacie Lefebvr {n:03d}" for n in range(100)]
    crowd = [client(100 + k, name, postcode="75011") for k, name in enumerate(names)]
    start = client(1, "Quincaillerie Martin", postcode="75011")
    start_typo = client(2, "Qiuncaillerie Martin", postcode="75011")
    end = client(3, "Pharmacie Lefebvre", postcode="75011")
    end_typo = client(4, "Pharmacie Lefebvr", postcode="75011")
    found = pairs_by_key([start, end, *crowd, start_typo, end_typo])
    assert {(1, 2), (3, 4)} <= found.keys()


def test_generic_names_in_two_towns_are_not_paired():
    pairs = find_pairs(
        [
            client(1, "Garage du Centre", postcode="69003", city="Lyon"),
            client(2, "Garage du Centre", postcode="13001", city="Marseille"),
            client(3, "Garage du Centre", postcode="35000", city="Rennes"),
        ]
    )
    assert pairs == []


def test_two_companies_with_different_sirens_are_not_paired_by_name():
    a = client(1, "Garage du Centre", postcode="69003", siren="732829320")
    b = client(2, "Garage du Centre", postcode="69003", siren="552100554")
    assert score_pair(a, b) is None
    assert score_pair(a, replace(b, siren="")) is not None


def test_individuals_are_compared_by_first_and_last_name():
    a = client(1, "Jean Martin", kind="individual", postcode="35000")
    pair = score_pair(a, client(2, "MARTIN Jean", kind="individual", postcode="35000"))
    assert pair is not None
    assert pair.score == detection.REORDERED_NAME_SCORE - detection.PERSON_NAME_PENALTY
    typo = score_pair(a, client(3, "Jean Matrin", kind="individual", postcode="35000"))
    assert typo is not None
    assert typo.score == detection.MISTYPED_NAME_SCORE - detection.PERSON_NAME_PENALTY
    assert score_pair(a, client(4, "Jeanne Martin", kind="individual", postcode="35000")) is None
    assert score_pair(a, client(5, "Paul Martin", kind="individual", postcode="35000")) is None


def test_two_common_names_one_letter_apart_are_not_a_typo():
    crowd = [
        client(100 + n, f"{first} {last}", kind="individual", postcode=f"{n:05d}")
        for n, (first, last) in enumerate(
            [("Julie", "Petit"), ("Julien", "Dubois"), ("Julie", "Moreau"), ("Julien", "Roux")] * 2
        )
    ]
    julie = client(1, "Julie Bouchet", kind="individual", postcode="35000")
    julien = client(2, "Julien Bouchet", kind="individual", postcode="35000")
    assert find_pairs([julie, julien, *crowd]) == []
    # Seeing two clients only, score_pair cannot tell: one warning too many.
    assert score_pair(julie, julien) is not None
    mistyped = client(3, "Juliie Bouchet", kind="individual", postcode="35000")
    assert (1, 3) in pairs_by_key([julie, mistyped, *crowd])


def test_a_slip_in_a_short_word_is_another_word():
    a = client(1, "JVS Conseil", postcode="75011")
    assert score_pair(a, client(2, "JVO Conseil", postcode="75011")) is None
    assert score_pair(a, client(3, "JVS Conseils", postcode="75011")) is not None


def test_a_name_shared_by_very_many_clients_of_one_place_pairs_nobody():
    placeholders = [client(n, "Client divers", postcode="75011") for n in range(1, 102)]
    assert find_pairs(placeholders) == []
    few = placeholders[:3]
    assert pairs_by_key(few).keys() == {(1, 2), (1, 3), (2, 3)}


# --- Big buckets -----------------------------------------------------------------------------
def test_a_switchboard_number_shared_by_many_clients_pairs_nobody():
    shared = [client(n, phones=("+33142685300",)) for n in range(1, 501)]
    assert find_pairs(shared) == []


def test_a_number_shared_by_a_few_clients_pairs_them_all():
    shared = [client(n, phones=("+33142685300",)) for n in range(1, BUCKET_CAP + 1)]
    assert len(find_pairs(shared)) == BUCKET_CAP * (BUCKET_CAP - 1) // 2


def test_many_exact_duplicates_make_one_group_without_all_their_pairs():
    same = [client(n, email="compta@exemple.fr") for n in range(500, 0, -1)]
    pairs = find_pairs(same)
    assert len(pairs) == 499
    assert {pair.first for pair in pairs} == {1}  # each with the oldest
    groups = group_pairs(pairs)
    assert len(groups) == 1 and groups[0].members == list(range(1, 501))


def test_the_same_client_twice_is_not_its_own_duplicate():
    a = client(1, "Garage Petit", email="a@b.fr", postcode="69003")
    assert find_pairs([a, a]) == []
    assert score_pair(a, a) is None


# --- Groups ----------------------------------------------------------------------------------
def pair(first: int, second: int, score: int, *, exact: bool = False) -> Pair:
    return Pair(first=first, second=second, score=score, reasons=[], exact=exact)


def test_pairs_are_grouped_by_connection():
    groups = group_pairs([pair(1, 2, 70), pair(2, 3, 85), pair(7, 9, 60)])
    assert [g.members for g in groups] == [[1, 2, 3], [7, 9]]
    assert groups[0].score == 85
    assert [(p.first, p.second) for p in groups[0].pairs] == [(2, 3), (1, 2)]


def test_dismissed_pairs_do_not_link_groups():
    pairs = [pair(1, 2, 70), pair(2, 3, 85), pair(3, 4, 60)]
    groups = group_pairs(pairs, dismissed=[(3, 2)])
    assert [g.members for g in groups] == [[1, 2], [3, 4]]
    assert all((p.first, p.second) != (2, 3) for g in groups for p in g.pairs)
    assert group_pairs(pairs, dismissed={(1, 2), (2, 3), (3, 4)}) == []


def test_a_dismissed_pair_stays_in_one_group_through_others():
    groups = group_pairs([pair(1, 2, 70), pair(2, 3, 70), pair(1, 3, 90)], dismissed=[(1, 3)])
    assert [g.members for g in groups] == [[1, 2, 3]]
    assert groups[0].score == 70


def test_groups_are_ordered_most_certain_first():
    groups = group_pairs(
        [
            pair(20, 21, 70),
            pair(30, 31, 100, exact=True),
            pair(10, 11, 70),
            pair(11, 12, 60),
            pair(5, 6, 70),
        ]
    )
    assert [g.members for g in groups] == [[30, 31], [10, 11, 12], [5, 6], [20, 21]]
    assert groups[0].exact and not groups[1].exact


def test_the_pair_key_is_ordered():
    assert pair_key(9, 3) == (3, 9) == pair_key(3, 9)


# --- Properties ------------------------------------------------------------------------------
NAMES = ["Garage Petit", "SARL Garage Petit", "Garage Petti", "Petit Garage", "Jean Martin"]
candidates = st.lists(
    st.builds(
        lambda name, kind, email, siret, phones, postcode, city: (
            name,
            kind,
            email,
            siret,
            phones,
            postcode,
            city,
        ),
        st.sampled_from(NAMES) | st.text(alphabet="abcé -.", max_size=8),
        st.sampled_from(["company", "individual"]),
        st.sampled_from(["", "", "a@x.fr", "A@x.fr", "b@x.fr"]),
        st.sampled_from(["", "", "73282932000074", "73282932000132", "55210055400013"]),
        st.lists(st.sampled_from(["+33142685300", "+33612345678"]), max_size=2).map(tuple),
        st.sampled_from(["", "69003", "69 003", "75011"]),
        st.sampled_from(["", "Lyon", "LYON", "Paris"]),
    ),
    max_size=12,
).map(
    lambda rows: [
        Candidate(
            id=n * 7 % 13 + 1,  # ids unique, in no particular order
            kind=kind,
            name=name,
            email=email,
            siret=siret,
            siren=siret[:9],
            vat_number="",
            phones=phones,
            postcode=postcode,
            city=city,
        )
        for n, (name, kind, email, siret, phones, postcode, city) in enumerate(rows)
    ]
)


@settings(max_examples=300, deadline=None)
@given(candidates)
def test_found_pairs_are_unique_ordered_scored_and_never_a_client_with_itself(cands):
    pairs = find_pairs(cands)
    keys = [(p.first, p.second) for p in pairs]
    assert len(keys) == len(set(keys))
    for p in pairs:
        assert p.first < p.second
        assert 0 <= p.score <= 100
        assert p.reasons
        assert p.exact == (p.score == 100)


@settings(max_examples=300, deadline=None)
@given(candidates)
def test_find_pairs_says_what_score_pair_says_of_every_two_clients(cands):
    """In a small file nothing escapes the scan: it finds exactly the pairs score_pair
    finds, given the same word counts."""
    counts = Counter(word for c in cands for word in normalize_name(c.name).split())
    expected = {}
    for i, a in enumerate(cands):
        for b in cands[i + 1 :]:
            found = score_pair(a, b, word_counts=counts)
            if found is not None:
                expected[(found.first, found.second)] = found
    assert pairs_by_key(cands) == expected


@given(candidates)
def test_score_pair_is_symmetric(cands):
    for a in cands:
        for b in cands:
            assert score_pair(a, b) == score_pair(b, a)


@given(candidates)
def test_groups_partition_the_paired_clients(cands):
    pairs = find_pairs(cands)
    groups = group_pairs(pairs)
    members = [m for g in groups for m in g.members]
    assert len(members) == len(set(members))
    assert set(members) == {m for p in pairs for m in (p.first, p.second)}
    assert all(len(g.members) >= 2 and g.members == sorted(g.members) for g in groups)
    scores = [(-g.score, -len(g.members), g.members[0]) for g in groups]
    assert scores == sorted(scores)
