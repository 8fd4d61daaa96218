"""Who a sponsor or task-owner cell names.

Sponsors are listed on the cover with their job titles and organisations; task owners are
chased by name, one block per person (:func:`split_owners`).

Sponsor cells hold free text such as "Fiona Musgrave- Assistant Director Integration and
Partnership, Cumbria County Council" (one person) or "Jo Atkinson, Assistant Director …;
Anna Stabler, Director of Nursing …" (two). The cover and the JSON export both list
sponsors, so the rule lives here, once. Owner cells are as free: "Charles Welbourn, CFO NC
CCG" is one person, "Jo Atkinson, Hilary Fordham, Peter Rooney" three, and "Jo Atkinson",
"Jo Atkinson (Cumbria County Council)" and "Jo Atkinson Assistant Director CCC" one.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Words of job titles and organisations: a piece of a sponsor cell that holds one of these
#: is a title or an organisation, not a person's name.
_TITLE_WORDS = frozenset("""
    acting adult adults assistant associate board borough care ccg centre chair chairman
    chairwoman chief children clinical commissioner commissioning community consultant
    council county deputy development director district executive finance foundation gp
    governance group head health hospital hospitals housing integrated integration interim
    lead manager medical network nhs nurse nursing officer operating operations partnership
    partnerships performance planning practice primary principal programme project provider
    public quality secretary senior service services social strategic strategy system team
    transformation trust unit university wellbeing of for the at to in and with
    cfo ceo coo representative independent sector teams managers leads officers directors
    commissioners bay north south east west central city region regional national local
""".split())
#: Titles before a name: not part of it ("Mr Graham Putnam" is chased as Graham Putnam).
_HONORIFICS = frozenset("mr mrs ms miss dr prof professor cllr sir dame".split())
#: Lower-case words that belong to a person's name (van der Berg, de la Cruz).
_PARTICLES = frozenset("van von der den de la le du di da st".split())
_NAME_WORD = re.compile(r"^[A-Z][A-Za-z'’.\-]*$")


def _split_top(text: str, seps: str) -> list[tuple[str, str]]:
    """(piece, the separator before it) at every character of ``seps`` outside brackets:
    ``Jane Doe (CCG/NECS)`` stays one piece."""
    out: list[tuple[str, str]] = []
    depth, cur, before = 0, "", ""
    for ch in text:
        depth += ch == "("
        depth = max(0, depth - (ch == ")"))
        if depth == 0 and ch in seps:
            out.append((cur, before))
            cur, before = "", ch
        else:
            cur += ch
    out.append((cur, before))
    return out


def _words(piece: str) -> list[str]:
    return re.sub(r"\([^)]*\)", " ", piece).split()


def _is_name(piece: str) -> bool:
    """Two to four capitalised words, none of them a job-title or organisation word (a
    bracketed organisation after the name is allowed): 'Jane Doe', 'Anna van der Berg'."""
    words = _words(piece)
    if not 2 <= len(words) <= 4:
        return False
    return all((_NAME_WORD.match(w) or w in _PARTICLES)
               and w.lower().strip(".") not in _TITLE_WORDS for w in words)


def _continues(piece: str) -> bool:
    """A piece that cannot start a new person: a single word ('NECS' in 'CCG/NECS') or one
    that starts with a job title ('Chief Executive, …' on its own line)."""
    words = _words(piece)
    return len(words) <= 1 or words[0].lower().strip(".,") in _TITLE_WORDS


_GLUE = {"/": "/", ";": "; ", "\n": ", ", "\r": ", "}


def split_sponsors(sponsor: str) -> list[str]:
    """The people in a sponsor cell, each kept with their job title and organisation.

    People are separated by '/', ';' or a line break -- unless what follows cannot start a
    new person (a single word, or a job title on its own) -- and by ',', ' and ' or '&'
    only when every piece is a bare name ('Jane Doe and John Smith'). So 'Fiona Musgrave-
    Assistant Director Integration and Partnership, Cumbria County Council' is one person.
    """
    people: list[str] = []
    for piece, before in _split_top(sponsor.replace("\r\n", "\n"), "/;\n\r"):
        piece = " ".join(piece.split())
        if not piece:
            continue
        if people and before and _continues(piece):
            people[-1] = f"{people[-1]}{_GLUE[before]}{piece}"
        else:
            people.append(piece)
    out: list[str] = []
    for person in people:
        names = [" ".join(p.split()) for p, _ in _split_top(
            re.sub(r"\s+(?:and|&)\s+", ",", person), ",")]
        names = [n for n in names if n]
        out.extend(names if len(names) > 1 and all(map(_is_name, names)) else [person])
    return out


def _name_word(w: str) -> bool:
    """A word that can be part of a person's name: capitalised, not all capitals (CCG,
    NCUHT), and no job-title, organisation or place word."""
    return bool(_NAME_WORD.match(w)) and not w.isupper() and \
        w.lower().strip(".") not in _TITLE_WORDS


def _name_in(piece: str, alone: bool) -> str | None:
    """The first person's name in ``piece``: two or more name words in a row ('Jo Atkinson'
    in 'Jo Atkinson Assistant Director CCC', 'Paul Robinson' in 'Assistant Director … –
    Interim Paul Robinson'); one word only when it is all the piece holds and ``alone``
    ('Jacqui' in 'Julie Clayton/ Jacqui'). Organisations in brackets are not read."""
    words = [w.strip(".,:;'\"’‘-–—") for w in re.split(r"[\s–—]+|\s-\s?", re.sub(
        r"\([^)]*\)?", " ", piece))]
    words = [w for w in words if w]
    run: list[str] = []
    for w in [*words, ""]:
        if _name_word(w) or (run and w in _PARTICLES):
            run.append(w)
            continue
        while run and run[-1] in _PARTICLES:
            run.pop()
        while run and run[0].lower().strip(".") in _HONORIFICS:
            run.pop(0)
        if len(run) >= 2:
            return " ".join(run)
        run = []
    if alone and len(words) == 1 and _name_word(words[0]) and \
            words[0].lower().strip(".") not in _HONORIFICS:
        return words[0]
    return None


def split_owners(owner: str) -> list[str]:
    """The people a task-owner cell names, each by name only, once: what the chase list
    groups by ("chasing is per person, not per sheet"). ``Michael Smillie/John Glover/Paul
    Robinson`` gives three; ``Kevin Parkinson, CFO, MBCCG`` one; ``Jo Atkinson (Cumbria County
    Council)`` gives ``Jo Atkinson``. A cell naming nobody ('Reablement teams managers')
    is one owner, as typed, without its bracketed organisation."""
    return list(_owners(owner))


@lru_cache(maxsize=4096)
def _owners(owner: str) -> tuple[str, ...]:
    out: dict[str, str] = {}
    for piece, before in _split_top(owner.replace("\r\n", "\n"), "/;\n\r,&"):
        parts = re.split(r"\s+and\s+", piece)
        for part in parts:
            name = _name_in(part, alone=len(parts) == 1 and before in ("/", ";", "\n", "\r", ""))
            if name is not None:
                out.setdefault(name.casefold(), name)
    if not out:
        whole = " ".join(re.sub(r"\([^)]*\)?", " ", owner).split()).strip(" ,;/-–")
        return (whole,) if whole else ()
    return tuple(out.values())
