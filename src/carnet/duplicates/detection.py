"""The duplicate-detection engine: which clients look alike, how sure we are, and why.

Pure code, no database: the scan service reads the organization's live clients into
``Candidate`` records, ``find_pairs`` returns the alike pairs with a score and reasons,
``group_pairs`` joins them into groups for the review page (most certain first), and
``score_pair`` compares two given clients (a new client against the existing ones).

What makes two clients alike (issue 6):

- exact, score 100: the same e-mail (compared in lower case), the same SIRET, the same VAT
  number, unless both SIRETs are known and differ: a French VAT number is derived from the
  SIREN, so two establishments of one company share it without being one client;
- likely: the same SIREN with different SIRETs or one missing (establishments of one
  company, 75); the same telephone number (E.164, 70); the same name once normalized
  (case, accents, punctuation and legal forms ignored: 85), the same words in another
  order (80) or one slip of the keyboard apart (70: one letter replaced, added or dropped,
  or two swapped; not in a word of under 4 letters, and not between two words that are
  both common in the file, "Julie" / "Julien"), at the same postcode, or in the same city
  when one of the two has no postcode (5 less). A person's name counts 10 less than a
  company's: strangers share names. Two clients whose SIRENs (or VAT numbers) are both
  known and differ are two legal entities: their names are not compared.
- several likely reasons add up as independent evidence, ``1 - (1 - a)(1 - b)``, capped at
  ``LIKELY_SCORE_CAP`` so that only an exact reason reaches 100.

How ``find_pairs`` stays close to linear at a million clients: it reads the candidates
once, keeps them with their normalized names, and never compares all with all.

- Identifiers are hashed: one dict per kind of value (e-mail, SIRET, VAT number, SIREN,
  telephone) from the value to the first client that has it, and the list of clients only
  for values seen twice or more. A value shared by more than ``BUCKET_CAP`` clients does
  not pair them all (n² pairs): for an exact key each member is paired with the client of
  smallest id, which is enough to put them all in one group; a SIREN or a telephone number
  that many clients share (the establishments of a chain, kept apart on purpose; a
  switchboard; a placeholder) is not evidence, and is skipped.
- Names are compared within a place block only: the clients of one postcode, joined by the
  clients without postcode whose city is one this postcode was seen with (and those among
  themselves, by city). In a block, among its distinct normalized names: names equal up to
  word order are paired directly; names one slip apart are found by sorted neighbourhood,
  each name against the next ``NAME_WINDOW`` names in alphabetical order, then the same
  with the names written backwards, so that a slip near the start is found as well as one
  near the end (a place of at most ``SMALL_PLACE`` names compares each with each). A name
  borne by more than ``BUCKET_CAP`` clients of one place is generic ("Client divers") and
  pairs nobody. The words of all the names are counted once, for the common-word rule.
- Every pair proposed by any of these is then scored once by the code of ``score_pair``,
  so a pair's reasons are all the reasons that hold, whichever way it was found.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from carnet.core.text import fold

# --- Scores --------------------------------------------------------------------------------
EXACT_SCORE = 100
SAME_SIREN_SCORE = 75
SAME_PHONE_SCORE = 70
# Names at the same place: identical once normalized, the same words in another order, one
# slip of the keyboard apart.
SAME_NAME_SCORE = 85
REORDERED_NAME_SCORE = 80
MISTYPED_NAME_SCORE = 70
# Two people with the same name in one town are strangers more often than two companies.
PERSON_NAME_PENALTY = 10
# A city is a larger area than a postcode.
CITY_ONLY_PENALTY = 5
# Likely reasons combined never reach an exact one.
LIKELY_SCORE_CAP = 95

# --- Thresholds and caps -------------------------------------------------------------------
# Near-identical names are one slip of the keyboard apart: one letter replaced, added or
# dropped, or two neighbours swapped (the optimal-string-alignment distance, rapidfuzz's
# OSA). A cut-off on fuzz.ratio (>= 90) was tried first: at a million clients it paired
# thousands of strangers a single slip does not reach ("Leroux & Associés" / "Leroy &
# Associés", "Laura Thomas" / "Clara Thomas"), and missed one slip in a short name.
MAX_NAME_EDITS = 1
# A one-letter difference in a word shorter than this is another word (initials, an
# acronym: "JVS" / "JVO"), not a typo.
MIN_MISTYPED_WORD = 4
# Two words one letter apart that are both common in the scanned file are two names
# ("Julie" / "Julien", "Boucher" / "Bouchet"), not one name mistyped: a typo makes a word
# that hardly exists elsewhere. Common: found in the names at least this many times, the
# rarer at least 1/COMMON_WORD_RATIO as often as the other ("flis" stays a typo of "fils"
# however often it was made).
COMMON_WORD_COUNT = 3
COMMON_WORD_RATIO = 20
# Distinct names each name is compared with, per sorted order (forwards, backwards).
NAME_WINDOW = 6
# A place with at most this many distinct names has each compared with each.
SMALL_PLACE = 2 * NAME_WINDOW
# A value shared by more clients than this is not paired all with all (see above).
BUCKET_CAP = 50

REASON_CODES = (
    "same_email",
    "same_siret",
    "same_vat_number",
    "same_siren",
    "same_phone",
    "similar_name",
)

# Legal forms, removed wherever they stand in a name: "SARL Boulangerie Martin" and
# "Boulangerie Martin S.A.R.L." are one name. French forms, and the commonest foreign ones
# of EU clients. Compared folded (lower case, no accents): "Société" is "societe" too.
LEGAL_FORMS: frozenset[str] = frozenset(
    {
        "SARL",
        "SAS",
        "SASU",
        "EURL",
        "SA",
        "SCI",
        "SNC",
        "SCS",
        "SCA",
        "EI",
        "EIRL",
        "SELARL",
        "SELAS",
        "SELAFA",
        "SELCA",
        "SCOP",
        "SCP",
        "SCM",
        "GIE",
        "GAEC",
        "EARL",
        "SEM",
        "SPL",
        "Société",
        "GmbH",
        "Ltd",
        "LLC",
        "Inc",
        "BV",
        "NV",
        "SPRL",
        "SRL",
    }
)
# Generic words removed only at the start of a name ("Sté Martin", "Ets Durand", "Entreprise
# Petit"): elsewhere they may mean something else ("Boulangerie Ste Anne" is Sainte Anne).
GENERIC_LEADING_WORDS: frozenset[str] = frozenset({"Sté", "Ets", "Établissements", "Entreprise"})

_LEGAL_TOKENS = frozenset(fold(word) for word in LEGAL_FORMS)
_LEADING_TOKENS = frozenset(fold(word) for word in GENERIC_LEADING_WORDS)
# "s.a.r.l." and "s.a.r.l" -> "sarl": an acronym's dots go before punctuation becomes
# spaces, or its letters would fall apart.
_ACRONYM = re.compile(r"(?<!\w)(?:\w\.){2,}")
_NOT_WORD = re.compile(r"[\W_]+")
_FAST_SEPARATORS = re.compile(r"[._]")  # what the Latin-1 table leaves of _NOT_WORD
_CEDEX = re.compile(r"\bcedex\b.*$")


def _latin1_table() -> bytes:
    """Byte -> what ``fold`` and then ``_NOT_WORD`` make of that Latin-1 character, when it
    is one character: "É" -> "e", "A" -> "a", "-" -> " ". Kept: ".", "_" (a letter to the
    acronym rule) and "&". NUL for the few that ``fold`` makes longer or not ASCII ("ß" ->
    "ss", "¼", "µ"), which send the name to the general path."""
    table = bytearray(256)
    for code in range(256):
        folded = fold(chr(code))
        if chr(code) in "._&":
            table[code] = code
        elif len(folded) == 1 and folded.isascii() and folded.isalnum():
            table[code] = ord(folded)
        elif _NOT_WORD.fullmatch(folded) or not folded:
            table[code] = ord(" ")
        else:
            table[code] = 0
    return bytes(table)


# Names in Latin-1 (nearly all French ones) are folded by one byte translation: ``fold``
# decomposes Unicode character by character at several times the cost, and a scan
# normalizes a million names.
_LATIN1_FOLDED = _latin1_table()


# --- The interface -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Candidate:
    """One live client, as the scan reads it from the database (values as stored)."""

    id: int
    kind: str  # "company" or "individual"
    name: str
    email: str  # domain lower-cased, may be ""
    siret: str  # 14 digits or ""
    siren: str  # 9 digits or ""
    vat_number: str  # compact upper case or ""
    phones: tuple[str, ...]  # E.164 (phone, mobile), may be empty
    postcode: str  # of the default billing address, else ""
    city: str  # idem, as typed


@dataclass(frozen=True)
class Reason:
    """Why two clients look alike: a code the interface translates, and the shared value
    (for names, their similarity as "94%"), which both records show anyway."""

    code: str
    detail: str


@dataclass
class Pair:
    """Two alike clients (``first`` < ``second``), how sure (0-100) and why."""

    first: int
    second: int
    score: int
    reasons: list[Reason]
    exact: bool


@dataclass
class Group:
    """Clients connected by pairs: sorted ids, the best pair score, the pairs."""

    members: list[int]
    score: int
    pairs: list[Pair] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return any(pair.exact for pair in self.pairs)


def pair_key(a: int, b: int) -> tuple[int, int]:
    """The key of the pair of clients ``a`` and ``b``, whatever their order."""
    return (a, b) if a < b else (b, a)


def normalize_name(name: str) -> str:
    """The name as it is compared: folded (case, accents, as ``fold``), punctuation made
    spaces (an acronym's dots dropped, "&" read "et"), legal forms and leading generic words
    removed, spaces collapsed. "SARL Boulangerie-Martin" and "Boulangerie Martin S.A.R.L."
    both give "boulangerie martin". A name made of legal forms only is kept (folded).
    """
    try:
        text = name.encode("latin-1").translate(_LATIN1_FOLDED).decode("ascii")
    except UnicodeEncodeError:  # beyond Latin-1: "Bœuf", "Łódź"
        text = "\0"
    if "\0" in text:
        return _normalize_words(_NOT_WORD, fold(name))
    return _normalize_words(_FAST_SEPARATORS, text)


def _normalize_words(separators: re.Pattern[str], folded: str) -> str:
    """The rest of ``normalize_name`` on a folded name: acronyms, "&", then the words
    (split on ``separators``) without legal forms and leading generic words."""
    if "." in folded:
        folded = _ACRONYM.sub(lambda match: match.group().replace(".", ""), folded)
    if "&" in folded:
        folded = folded.replace("&", " et ")
    words = separators.sub(" ", folded).split() if separators.search(folded) else folded.split()
    kept = [word for word in words if word not in _LEGAL_TOKENS]
    while kept and kept[0] in _LEADING_TOKENS:
        del kept[0]
    return " ".join(kept or words)


def score_pair(
    a: Candidate, b: Candidate, *, word_counts: Mapping[str, int] | None = None
) -> Pair | None:
    """Reasons and score for two given clients, or None when nothing makes them alike.

    ``word_counts`` (word of the normalized names -> how often it occurs) lets it tell two
    common names one letter apart from a typo, as ``find_pairs`` does with the counts of
    the whole scan; without them, one slip apart is a typo (for a warning when a client is
    created, one warning too many is better than one too few).
    """
    return _compare(a, b, normalize_name(a.name), normalize_name(b.name), word_counts)


def find_pairs(candidates: Iterable[Candidate]) -> list[Pair]:
    """Every alike pair among ``candidates`` (read once), most certain first.

    Each pair is what ``score_pair(a, b, word_counts=...)`` says of its two clients, with
    the word counts of all the candidates; see the module's documentation for how they are
    found without comparing every client with every other.
    """
    scan = _Scan()
    scan.read(candidates)
    proposals = scan.identifier_proposals()
    proposals |= scan.name_proposals()
    word_counts = scan.count_words()
    records, names = scan.records, scan.names
    found: dict[tuple[int, int], Pair] = {}
    for packed in proposals:
        i, j = packed >> 32, packed & 0xFFFFFFFF
        pair = _compare(records[i], records[j], names[i], names[j], word_counts)
        if pair is not None:
            found[(pair.first, pair.second)] = pair
    return sorted(found.values(), key=lambda p: (-p.score, p.first, p.second))


def group_pairs(
    pairs: Iterable[Pair], *, dismissed: Collection[tuple[int, int]] = ()
) -> list[Group]:
    """Clients connected by ``pairs`` (union-find), leaving out the ``dismissed`` pairs
    (in either order), which never link their two clients and are not listed. Most certain
    first: best score, then the larger group, then the smallest id."""
    refused = {pair_key(a, b) for a, b in dismissed}
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving keeps the trees flat
            x = parent[x]
        return x

    kept: list[Pair] = []
    for pair in pairs:
        if pair_key(pair.first, pair.second) in refused or pair.first == pair.second:
            continue
        kept.append(pair)
        ra, rb = root(pair.first), root(pair.second)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    by_root: dict[int, Group] = {}
    for pair in kept:
        top = root(pair.first)
        group = by_root.get(top)
        if group is None:
            group = by_root[top] = Group(members=[], score=0)
        group.pairs.append(pair)
        group.score = max(group.score, pair.score)
    for x in parent:
        by_root[root(x)].members.append(x)
    groups = list(by_root.values())
    for group in groups:
        group.members.sort()
        group.pairs.sort(key=lambda p: (-p.score, p.first, p.second))
    groups.sort(key=lambda g: (-g.score, -len(g.members), g.members[0]))
    return groups


# --- Comparing two clients -----------------------------------------------------------------
def _compare(
    a: Candidate,
    b: Candidate,
    name_a: str,
    name_b: str,
    word_counts: Mapping[str, int] | None = None,
) -> Pair | None:
    """The pair of ``a`` and ``b`` with every reason that holds, or None. ``name_a`` and
    ``name_b`` are their normalized names (the scan computes them once per client)."""
    if a.id == b.id:
        return None
    reasons: list[Reason] = []
    likely: list[int] = []
    exact = False
    if a.email and b.email:
        email = _email_key(a.email)
        if email == _email_key(b.email):
            reasons.append(Reason("same_email", email))
            exact = True
    if a.siret and a.siret == b.siret:
        reasons.append(Reason("same_siret", a.siret))
        exact = True
    establishments = bool(a.siret and b.siret and a.siret != b.siret)
    if a.vat_number and a.vat_number == b.vat_number and not establishments:
        reasons.append(Reason("same_vat_number", a.vat_number))
        exact = True
    if a.siren and a.siren == b.siren and not (a.siret and a.siret == b.siret):
        reasons.append(Reason("same_siren", a.siren))
        likely.append(SAME_SIREN_SCORE)
    shared_phones = sorted(set(a.phones) & set(b.phones))
    if shared_phones:
        reasons.append(Reason("same_phone", shared_phones[0]))
        likely.append(SAME_PHONE_SCORE)
    name_score, similarity = _name_evidence(a, b, name_a, name_b, word_counts)
    if name_score:
        reasons.append(Reason("similar_name", f"{similarity}%"))
        likely.append(name_score)
    if not reasons:
        return None
    if exact:
        score = EXACT_SCORE
    else:
        doubt = 1.0
        for value in likely:
            doubt *= 1 - value / 100
        score = min(LIKELY_SCORE_CAP, round(100 * (1 - doubt)))
    first, second = pair_key(a.id, b.id)
    return Pair(first=first, second=second, score=score, reasons=reasons, exact=exact)


def _name_evidence(
    a: Candidate,
    b: Candidate,
    name_a: str,
    name_b: str,
    word_counts: Mapping[str, int] | None,
) -> tuple[int, int]:
    """(score, similarity %) of the names of ``a`` and ``b``, or (0, 0) when they do not
    count: too different, not at the same place, or two distinct legal entities."""
    if not name_a or not name_b:
        return 0, 0
    if a.siren and b.siren and a.siren != b.siren:
        return 0, 0
    if a.vat_number and b.vat_number and a.vat_number != b.vat_number:
        return 0, 0
    place = _same_place(a, b)
    if not place:
        return 0, 0
    if name_a == name_b:
        score, similarity = SAME_NAME_SCORE, 100
    elif " " in name_a and _word_sorted(name_a) == _word_sorted(name_b):
        score, similarity = REORDERED_NAME_SCORE, 100
    elif _mistyped(name_a, name_b, word_counts):
        score, similarity = MISTYPED_NAME_SCORE, int(fuzz.ratio(name_a, name_b))
    else:
        return 0, 0
    if a.kind == "individual" or b.kind == "individual":
        score -= PERSON_NAME_PENALTY
    if place == "city":
        score -= CITY_ONLY_PENALTY
    return score, similarity


def _mistyped(name_a: str, name_b: str, word_counts: Mapping[str, int] | None) -> bool:
    """Whether two different names are one name mistyped (see ``MAX_NAME_EDITS``), in the
    order written or with their words sorted ("Martin Jean" / "Jean Matrin")."""
    if OSA.distance(name_a, name_b, score_cutoff=MAX_NAME_EDITS) > MAX_NAME_EDITS:
        if " " not in name_a or " " not in name_b:
            return False
        name_a, name_b = _word_sorted(name_a), _word_sorted(name_b)
        if OSA.distance(name_a, name_b, score_cutoff=MAX_NAME_EDITS) > MAX_NAME_EDITS:
            return False
    words_a, words_b = name_a.split(), name_b.split()
    if len(words_a) != len(words_b):
        return True  # a space added or dropped: "petitdurand" / "petit durand"
    for word_a, word_b in zip(words_a, words_b, strict=True):
        if word_a == word_b:
            continue
        if max(len(word_a), len(word_b)) < MIN_MISTYPED_WORD:
            return False
        if word_counts is not None:
            count_a, count_b = word_counts.get(word_a, 0), word_counts.get(word_b, 0)
            rarer, commoner = min(count_a, count_b), max(count_a, count_b)
            if rarer >= COMMON_WORD_COUNT and rarer * COMMON_WORD_RATIO >= commoner:
                return False
    return True


def _may_be_alike(name_a: str, name_b: str) -> bool:
    """Whether ``_name_evidence`` could find these two different names alike (it decides,
    with more: the place, the identifiers, the word counts)."""
    if OSA.distance(name_a, name_b, score_cutoff=MAX_NAME_EDITS) <= MAX_NAME_EDITS:
        return True
    if " " not in name_a or " " not in name_b:
        return False
    sorted_a, sorted_b = _word_sorted(name_a), _word_sorted(name_b)
    return OSA.distance(sorted_a, sorted_b, score_cutoff=MAX_NAME_EDITS) <= MAX_NAME_EDITS


def _same_place(a: Candidate, b: Candidate) -> str:
    """ "postcode" when both have this postcode, "city" when one has no postcode and both
    have this city, else ""."""
    postcode_a, postcode_b = _postcode_key(a.postcode), _postcode_key(b.postcode)
    if postcode_a and postcode_b:
        return "postcode" if postcode_a == postcode_b else ""
    city_a = _city_key(a.city)
    if city_a and city_a == _city_key(b.city):
        return "city"
    return ""


def _email_key(email: str) -> str:
    # Most stored e-mails are in lower case already: no new string for them.
    return email if email.islower() else email.lower()


def _postcode_key(postcode: str) -> str:
    return postcode if postcode.isdigit() else postcode.replace(" ", "").upper()


_SAINTS = {"st": "saint", "ste": "sainte"}


@lru_cache(maxsize=4096)
def _city_key(city: str) -> str:
    """The city as compared: folded, punctuation made spaces, "St"/"Ste" read "Saint"/
    "Sainte", without its CEDEX mention ("Lyon Cedex 03" is Lyon)."""
    words = _NOT_WORD.sub(" ", _CEDEX.sub("", fold(city))).split()
    return " ".join(_SAINTS.get(word, word) for word in words)


def _word_sorted(name: str) -> str:
    return " ".join(sorted(name.split()))


# --- The scan ------------------------------------------------------------------------------
class _Scan:
    """What ``find_pairs`` keeps of the candidates: the records and their normalized names
    (by position in the input), the positions of the clients of each identifier value seen
    more than once, and the clients of each place. Pairs are proposed as two positions
    packed in one integer (``i << 32 | j``, i < j): far less memory than tuples."""

    def __init__(self) -> None:
        self.records: list[Candidate] = []
        self.names: list[str] = []
        # Kind of value -> value -> positions of the clients sharing it (seen twice or more).
        self.shared: dict[str, dict[str, list[int]]] = {}
        # Postcode -> positions of its clients with a name.
        self.postcodes: dict[str, list[int]] = {}
        # City -> positions of its clients with a name and no postcode.
        self.cities: dict[str, list[int]] = {}
        # City -> the postcodes it was seen with.
        self.city_postcodes: dict[str, set[str]] = {}

    def read(self, candidates: Iterable[Candidate]) -> None:
        """One pass over the candidates; the loop is written for speed (locals, no calls
        for the common cases) as it runs a million times."""
        records, names = self.records, self.names
        postcodes, cities, city_postcodes = self.postcodes, self.cities, self.city_postcodes
        email_first: dict[str, int] = {}
        siret_first: dict[str, int] = {}
        vat_first: dict[str, int] = {}
        siren_first: dict[str, int] = {}
        phone_first: dict[str, int] = {}
        email_shared: dict[str, list[int]] = {}
        siret_shared: dict[str, list[int]] = {}
        vat_shared: dict[str, list[int]] = {}
        siren_shared: dict[str, list[int]] = {}
        phone_shared: dict[str, list[int]] = {}
        self.shared = {
            "email": email_shared,
            "siret": siret_shared,
            "vat_number": vat_shared,
            "siren": siren_shared,
            "phone": phone_shared,
        }
        city_keys: dict[str, str] = {}
        normalize = normalize_name

        def remember(table: dict[str, list[int]], value: str, first: int, i: int) -> None:
            members = table.get(value)
            if members is None:
                table[value] = [first, i]
            else:
                members.append(i)

        for i, candidate in enumerate(candidates):
            records.append(candidate)
            name = normalize(candidate.name)
            names.append(name)
            email = candidate.email
            if email:
                if not email.islower():
                    email = email.lower()
                j = email_first.setdefault(email, i)
                if j != i:
                    remember(email_shared, email, j, i)
            value = candidate.siret
            if value:
                j = siret_first.setdefault(value, i)
                if j != i:
                    remember(siret_shared, value, j, i)
            value = candidate.vat_number
            if value:
                j = vat_first.setdefault(value, i)
                if j != i:
                    remember(vat_shared, value, j, i)
            value = candidate.siren
            if value:
                j = siren_first.setdefault(value, i)
                if j != i:
                    remember(siren_shared, value, j, i)
            phones = candidate.phones
            for number, phone in enumerate(phones):
                if number and phone in phones[:number]:
                    continue  # the client's phone and mobile are one number
                j = phone_first.setdefault(phone, i)
                if j != i:
                    remember(phone_shared, phone, j, i)
            if not name:
                continue
            city = candidate.city
            if city:
                key = city_keys.get(city)
                if key is None:
                    key = city_keys[city] = _city_key(city)
                city = key
            postcode = candidate.postcode
            if postcode:
                if not postcode.isdigit():
                    postcode = _postcode_key(postcode)
                members = postcodes.get(postcode)
                if members is None:
                    postcodes[postcode] = [i]
                else:
                    members.append(i)
                if city:
                    seen = city_postcodes.get(city)
                    if seen is None:
                        city_postcodes[city] = {postcode}
                    else:
                        seen.add(postcode)
            elif city:
                members = cities.get(city)
                if members is None:
                    cities[city] = [i]
                else:
                    members.append(i)

    def count_words(self) -> Counter[str]:
        """How often each word occurs in the normalized names (see COMMON_WORD_COUNT).
        Counted by chunks of joined names: one split and one C-level count per chunk."""
        counts: Counter[str] = Counter()
        names = self.names
        for start in range(0, len(names), 100_000):
            counts.update(" ".join(names[start : start + 100_000]).split())
        return counts

    # --- identifiers -------------------------------------------------------------------------
    def identifier_proposals(self) -> set[int]:
        proposals: set[int] = set()
        records = self.records
        for kind, table in self.shared.items():
            for members in table.values():
                if len(members) <= BUCKET_CAP:
                    proposals.update(_all_pairs(members))
                elif kind in ("email", "siret", "vat_number"):
                    # All exact duplicates: each with the oldest client (smallest id) is
                    # enough to put them in one group.
                    hub = min(members, key=lambda i: records[i].id)
                    proposals.update(_pack(hub, i) for i in members if i != hub)
                # A SIREN or a telephone number shared that widely is not evidence.
        return proposals

    # --- names -------------------------------------------------------------------------------
    def name_proposals(self) -> set[int]:
        proposals: set[int] = set()
        postcodes = self.postcodes
        for city, members in self.cities.items():
            # Clients without postcode: with each other, and with the clients of each
            # postcode their city was seen with.
            if len(members) > 1:
                self._propose_names(members, proposals)
            for postcode in self.city_postcodes.get(city, ()):
                postcodes[postcode].extend(members)
        for members in postcodes.values():
            if len(members) > 1:
                self._propose_names(members, proposals)
        return proposals

    def _propose_names(self, members: list[int], proposals: set[int]) -> None:
        """Propose the pairs of ``members`` (one place) whose names are the same, the same
        words in another order, or one slip apart."""
        names = self.names
        keyed = [names[i] for i in members]
        # Name -> its client; the clients of the names borne by several apart (few).
        first = dict(zip(keyed, members, strict=True))
        several: dict[str, list[int]] = {}
        if len(first) < len(keyed):
            repeated = {name for name, count in Counter(keyed).items() if count > 1}
            for name, i in zip(keyed, members, strict=True):
                if name in repeated:
                    several.setdefault(name, []).append(i)
            for same in several.values():
                if len(same) <= BUCKET_CAP:
                    proposals.update(_all_pairs(same))
        if len(first) < 2:
            return

        def clients(name: str) -> list[int]:
            return several.get(name) or [first[name]]

        distinct = [name for name in first if len(several.get(name, ())) <= BUCKET_CAP]
        matches: list[tuple[str, str]] = []
        if len(distinct) <= SMALL_PLACE:
            # Few names: each with each, so nothing escapes the windows (a slip in names
            # written in another order, "martin jean" / "jaen martin", escapes them).
            matches = [pair for pair in combinations(distinct, 2) if _may_be_alike(*pair)]
        else:
            # The same words in another order ("martin boulangerie" / "boulangerie
            # martin"): an order-free signature, checked word by word when scored.
            signatures: dict[int, str] = {}
            for name in distinct:
                if " " in name:
                    other = signatures.setdefault(hash(frozenset(name.split())), name)
                    if other is not name:
                        matches.append((other, name))
            # One slip apart: sorted neighbourhood, forwards, then on the names written
            # backwards (the edit distance of two reversed names is theirs).
            distance, edits, window = OSA.distance, MAX_NAME_EDITS, NAME_WINDOW
            for backwards in (False, True):
                order = sorted([name[::-1] for name in distinct] if backwards else distinct)
                for p, name in enumerate(order):
                    for other in order[p + 1 : p + 1 + window]:
                        if distance(name, other, score_cutoff=edits) <= edits:
                            if backwards:
                                matches.append((name[::-1], other[::-1]))
                            else:
                                matches.append((name, other))
        for left, right in matches:
            proposals.update(_pack(i, j) for i in clients(left) for j in clients(right))


def _pack(i: int, j: int) -> int:
    return (i << 32 | j) if i < j else (j << 32 | i)


def _all_pairs(members: list[int]) -> Iterator[int]:
    for i, j in combinations(members, 2):
        yield _pack(i, j)
