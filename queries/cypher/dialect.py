"""Neo4j's Cypher, as the embedded engine must be asked it.

The embedded engine (the Kuzu family) speaks openCypher with differences that would give a
Neo4j user a *silently* different answer: list indexes and ``substring`` start at 1, not 0;
``labels(n)`` is a string; some functions have other names. :func:`to_embedded` rewrites
a query written for Neo4j into the engine's spelling where the meaning can be kept
exactly, and refuses, naming what to write instead, where it cannot. Every rule is listed
in ``docs/cypher.md`` ("Differences from Neo4j") with its test.

It also makes reachability answer: a variable-length pattern whose paths are never looked
at (no relationship or path variable, ends de-duplicated by ``DISTINCT``) only needs one
path per pair of end nodes, so it is run as the engine's ``SHORTEST`` form; written
plainly, the engine enumerates every path through the merges (billions on real lineage).

The rewrite works on tokens (strings, comments and escaped names are never touched) and
keeps the query's own spacing, so error positions stay close to the user's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hflineage.errors import QueryError

__all__ = [
    "RENAMED_FUNCTIONS",
    "check_name_case",
    "neo4j_matching",
    "null_safe_order",
    "refuse_long_minimum_on_falkordb",
    "to_embedded",
    "with_all_before_aggregates",
]

#: Neo4j function -> the embedded engine's name for the same function (lower-case keys).
RENAMED_FUNCTIONS: dict[str, str] = {
    "tointeger": "to_int64",
    "tofloat": "to_double",
    "tostring": "to_string",
    "split": "string_split",
    "type": "label",
    "relationships": "rels",
}

#: Neo4j constructs with no exact counterpart here: the message says what to write instead.
_REFUSED_FUNCTIONS: dict[str, str] = {
    "id": "internal ids differ between databases; match and return m.id (the Hub id) instead",
    "elementid": "internal ids differ between databases; match and return m.id instead",
    "head": "write list[0] for the first element",
    "last": "write list[-1] for the last element",
    "datetime": "createdAt is ISO-8601 text (UTC): compare it with a string such as "
    "'2024-05-01T00:00:00', or take left(m.createdAt, 7) for the month",
    "date": "createdAt is ISO-8601 text (UTC): compare left(m.createdAt, 10) with a "
    "'YYYY-MM-DD' string",
}

_TOKEN = re.compile(
    r"""(?P<skip>//[^\n]*|/\*.*?\*/)"""
    r"""|(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
    r"""|(?P<name>`[^`]*`)"""
    r"""|(?P<param>\$(?:\w+|`[^`]*`))"""
    r"""|(?P<num>\d+\.\d+(?:[eE][-+]?\d+)?|\d+)"""
    r"""|(?P<word>[A-Za-z_]\w*)"""
    r"""|(?P<op>\.\.|<-|->|<>|<=|>=|=~|\S)""",
    re.DOTALL,
)

#: Keywords after which ``[`` starts a list, not a subscript.
_LIST_AFTER = frozenset(
    {"RETURN", "WITH", "WHERE", "AND", "OR", "XOR", "NOT", "IN", "UNWIND", "AS", "THEN",
     "ELSE", "WHEN", "CASE", "DISTINCT", "BY", "SET", "IS", "CONTAINS", "STARTS", "ENDS"}
)  # fmt: skip
_CLAUSES = frozenset(
    {"MATCH", "OPTIONAL", "WHERE", "WITH", "RETURN", "ORDER", "SKIP", "LIMIT", "UNWIND",
     "CALL", "UNION", "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE"}
)  # fmt: skip
_KEYWORDS = _LIST_AFTER | _CLAUSES | {"EXISTS", "ON"}


def _starts_clause(toks: list[_Token], k: int, clauses: frozenset[str] = _CLAUSES) -> bool:
    """``toks[k]`` is a clause keyword (``WITH`` in ``STARTS WITH`` is not)."""
    t = toks[k]
    if t.kind != "word" or t.upper not in clauses:
        return False
    return not (t.upper == "WITH" and k > 0 and toks[k - 1].upper in ("STARTS", "ENDS"))


#: Aggregates whose value does not change when a row is repeated.
_PROJECTIONS = frozenset({"WITH", "RETURN"})
_DUPLICATE_BLIND_AGGREGATES = frozenset({"min", "max"})
_AGGREGATES = frozenset(
    {"count", "sum", "avg", "min", "max", "collect", "stdev", "stdevp", "percentilecont",
     "percentiledisc"}
)  # fmt: skip


class _Unbalanced(Exception):
    """A bracket is never closed: the engine's parser will say where."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(m.lastgroup or "op", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if m.lastgroup != "skip"
    ]


def _closing(tokens: list[_Token], i: int) -> int:
    """Index of the bracket closing the one at ``tokens[i]``."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opener = tokens[i].text
    depth = 0
    for j in range(i, len(tokens)):
        t = tokens[j].text if tokens[j].kind == "op" else ""
        if t == opener:
            depth += 1
        elif t == pairs[opener]:
            depth -= 1
            if depth == 0:
                return j
    raise _Unbalanced(opener)


def _top_level(toks: list[_Token], start: int = 0, end: int | None = None) -> Iterator[int]:
    """Indices in ``toks[start:end]`` outside any bracket opened in that range."""
    depth = 0
    for k in range(start, len(toks) if end is None else end):
        t = toks[k]
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        elif depth == 0:
            yield k


def _split_top(tokens: list[_Token], lo: int, hi: int, sep: str) -> list[tuple[int, int]]:
    """Ranges ``[a, b)`` of ``tokens[lo:hi]`` between top-level ``sep`` tokens."""
    parts: list[tuple[int, int]] = []
    start = lo
    for j in _top_level(tokens, lo, hi):
        t = tokens[j]
        if t.upper == sep if t.kind == "word" else t.text == sep:
            parts.append((start, j))
            start = j + 1
    parts.append((start, hi))
    return parts


class _Rewriter:
    """Rewrites one query (or one part of it) token by token."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)

    def span(self, a: int, b: int) -> str:
        """The rewritten text of tokens ``[a, b)`` (their own spacing kept)."""
        if a >= b:
            return ""
        out: list[str] = []
        i = a
        while i < b:
            piece, nxt = self._rewrite_at(i, b)
            if i > a:
                out.append(self.text[self.toks[i - 1].end : self.toks[i].start])
            out.append(piece)
            i = nxt
        return "".join(out)

    def _rewrite_at(self, i: int, b: int) -> tuple[str, int]:
        """Text for the construct starting at token ``i`` and the index after it."""
        t = self.toks[i]
        nxt = self.toks[i + 1] if i + 1 < b else None
        is_call = (
            nxt is not None
            and nxt.text == "("
            and t.kind == "word"
            and t.upper not in _KEYWORDS
            and not self._after_dot(i)
        )
        if is_call:
            return self._call(i)
        if t.kind == "op" and t.text == "[":
            if self._is_subscript(i):
                return self._subscript(i)
            if self._is_comprehension(i):
                return self._comprehension(i)
            close = _closing(self.toks, i)
            return "[" + self._inner(i + 1, close) + "]", close + 1
        if t.kind == "op" and t.text in "({":
            close = _closing(self.toks, i)
            return t.text + self._inner(i + 1, close) + self.toks[close].text, close + 1
        return t.text, i + 1

    def _inner(self, a: int, close: int) -> str:
        """The rewritten text between two brackets, with the spacing at both ends kept."""
        if a >= close:
            return self.text[self.toks[a - 1].end : self.toks[close].start]
        lead = self.text[self.toks[a - 1].end : self.toks[a].start]
        tail = self.text[self.toks[close - 1].end : self.toks[close].start]
        return lead + self.span(a, close) + tail

    def _after_dot(self, i: int) -> bool:
        return i > 0 and self.toks[i - 1].text == "."

    # -- function calls ---------------------------------------------------------------------
    def _call(self, i: int) -> tuple[str, int]:
        name = self.toks[i].text
        low = name.lower()
        close = _closing(self.toks, i + 1)
        args = _split_top(self.toks, i + 2, close, ",")
        if close == i + 2:
            args = []
        if low in _REFUSED_FUNCTIONS:
            raise QueryError(f"{name}() is not supported here: {_REFUSED_FUNCTIONS[low]}")
        if low in ("shortestpath", "allshortestpaths"):
            return self._shortest(i, close, every=low == "allshortestpaths"), close + 1
        if low == "labels":
            return f"[label({self._inner(i + 2, close)})]", close + 1
        if low == "substring":
            return self._substring(name, args), close + 1
        if low == "sum":  # Neo4j: the sum of no values is 0; the engine says null
            return f"coalesce({name}({self._inner(i + 2, close)}), 0)", close + 1
        head = RENAMED_FUNCTIONS.get(low, name)
        gap = self.text[self.toks[i].end : self.toks[i + 1].start]
        return head + gap + "(" + self._inner(i + 2, close) + ")", close + 1

    def _substring(self, name: str, args: list[tuple[int, int]]) -> str:
        # Neo4j counts from 0, the engine from 1; a missing length means "to the end".
        if len(args) not in (2, 3):
            raise QueryError(f"{name}() takes 2 or 3 arguments, got {len(args)}")
        text = self.span(*args[0])
        start = self.span(*args[1])
        length = self.span(*args[2]) if len(args) == 3 else f"size({text})"
        return f"substring({text}, ({start}) + 1, {length})"

    def _shortest(self, i: int, close: int, *, every: bool) -> str:
        inner = self._inner(i + 2, close).strip()
        star = re.search(r"\*", inner)
        if not star:
            raise QueryError(
                f"{self.toks[i].text}() needs a variable-length relationship such as "
                "-[:DERIVED_FROM*1..]->"
            )
        form = " ALL SHORTEST" if every else " SHORTEST"
        rest = inner[star.end() :]
        bounds = re.match(r"\s*(\d*)\s*(\.\.)?\s*(\d*)", rest)
        lower = bounds.group(1) if bounds else ""
        if lower == "0":
            raise QueryError("shortestPath() with a lower bound of 0 is not supported; use 1..")
        if bounds and not bounds.group(0).strip():
            rest = " 1.." + rest
        return inner[: star.end()] + form + rest

    # -- lists --------------------------------------------------------------------------------
    def _is_subscript(self, i: int) -> bool:
        if i == 0:
            return False
        prev = self.toks[i - 1]
        if prev.kind == "op":
            return prev.text in (")", "]", "}")
        if prev.kind == "word":
            return prev.upper not in _LIST_AFTER and prev.upper not in _CLAUSES
        return prev.kind in ("param", "str", "name")

    def _is_comprehension(self, i: int) -> bool:
        return (
            i + 2 < len(self.toks)
            and self.toks[i + 1].kind in ("word", "name")
            and self.toks[i + 2].upper == "IN"
            and self.toks[i + 2].kind == "word"
        )

    def _subscript(self, i: int) -> tuple[str, int]:
        close = _closing(self.toks, i)
        ranges = _split_top(self.toks, i + 1, close, "..")
        if len(ranges) == 2:
            return self._slice(i, close, ranges)
        index_toks = self.toks[i + 1 : close]
        if len(index_toks) == 1 and index_toks[0].kind == "str":
            return "[" + index_toks[0].text + "]", close + 1  # a map key: no shift
        index = self.span(i + 1, close)
        if len(index_toks) == 1 and index_toks[0].kind == "num" and "." not in index_toks[0].text:
            return f"[{int(index_toks[0].text) + 1}]", close + 1
        # Neo4j: 0 is the first element, -1 the last; the engine: 1 is the first, -1 the last.
        return f"[CASE WHEN ({index}) >= 0 THEN ({index}) + 1 ELSE ({index}) END]", close + 1

    def _slice(self, i: int, close: int, ranges: list[tuple[int, int]]) -> tuple[str, int]:
        (a0, a1), (b0, b1) = ranges
        for lo, hi in ranges:
            if any(t.text == "-" for t in self.toks[lo:hi]):
                raise QueryError(
                    "a list slice with a negative bound is not supported here; "
                    "use size(list) - n instead"
                )
        start = self.span(a0, a1) or "0"
        # Neo4j's [a..b] keeps positions a..b-1 counted from 0: the engine's [a+1:b].
        end = self.span(b0, b1)
        end_text = end if end else "2147483647"
        return f"[({start}) + 1:{end_text}]", close + 1

    def _comprehension(self, i: int) -> tuple[str, int]:
        close = _closing(self.toks, i)
        var = self.toks[i + 1].text
        body_start = i + 3
        pieces = _split_top(self.toks, body_start, close, "|")
        if len(pieces) > 2:
            raise QueryError("a list comprehension takes at most one '|'")
        where_parts = _split_top(self.toks, pieces[0][0], pieces[0][1], "WHERE")
        source = self.span(*where_parts[0])
        out = source
        if len(where_parts) == 2:
            out = f"list_filter({out}, {var} -> {self.span(*where_parts[1])})"
        if len(pieces) == 2:
            out = f"list_transform({out}, {var} -> {self.span(*pieces[1])})"
        return out, close + 1


def to_embedded(query: str) -> str:
    """The embedded engine's spelling of a query written for Neo4j.

    >>> to_embedded("RETURN [10, 20, 30][1] AS x, substring('abcdef', 1, 2) AS s")
    "RETURN [10, 20, 30][2] AS x, substring('abcdef', (1) + 1, 2) AS s"
    >>> to_embedded("MATCH (d)-[:DERIVED_FROM*1..]->(r) RETURN count(DISTINCT d)")
    'MATCH (d)-[:DERIVED_FROM* SHORTEST 1..]->(r) RETURN count(DISTINCT d)'

    Raises:
        QueryError: a construct with no exact counterpart, naming what to write instead.
    """
    rewriter = _Rewriter(query)
    try:
        text = rewriter.span(0, len(rewriter.toks)) if rewriter.toks else query
    except _Unbalanced:
        return query  # a syntax error: left for the engine's parser to report
    return neo4j_matching(_endpoints_only(text))


# -- reachability ---------------------------------------------------------------------------
_VAR_LENGTH = re.compile(
    r"(?P<head>(?:<-|-)\[\s*:\s*[A-Za-z_]\w*(?:\s*\|\s*:?\s*[A-Za-z_]\w*)*\s*\*)"
    r"(?P<bounds>\s*(?P<lo>\d*)\s*(?:\.\.\s*(?P<hi>\d*))?)"
    r"(?=\s*[\]{(])"
)


def _endpoints_only(query: str) -> str:
    """Run unnamed variable-length patterns as one shortest path per pair of end nodes.

    Only when nothing can tell the difference: the relationship has no variable, no path
    is named, and the first projection after the pattern de-duplicates (``DISTINCT`` rows,
    or only ``DISTINCT``/min/max aggregates). A lower bound ``L`` above 1 keeps its meaning
    as ``L - 1`` single hops followed by the shortest path of the rest (in an acyclic
    lineage, a path of ``L..U`` hops exists exactly when one of those does).
    """
    toks = _tokens(query)
    if any(t.kind == "op" and t.text == "=" and _names_path(toks, k) for k, t in enumerate(toks)):
        return query
    out: list[str] = []
    last = 0
    for m in _VAR_LENGTH.finditer(query):
        if _inside_literal(toks, m.start()) or not _deduplicated_after(toks, m.end()):
            continue
        closing = _RELATIONSHIP_END.match(query, m.end())
        if closing is None:
            continue
        fixed = m.group("bounds").find("..") < 0 and m.group("lo") != ""
        lo = int(m.group("lo") or 1)
        hi = m.group("hi") or ""
        if fixed:
            hi = str(lo)
        if lo == 0 or (hi and int(hi) < lo):
            continue
        head = m.group("head")
        left, rel_type = head[: head.index("[")], head[head.index("[") + 1 : -1]
        props, right = closing.group("props"), closing.group("arrow")
        if lo > 1 and (left, right) in (("-", "-"), ("<-", "->")):
            continue  # undirected walks are not acyclic: the split would change the ends
        single = f"{left}[{rel_type}{props}]{right}()"
        rest = f"1..{int(hi) - lo + 1}" if hi else "1.."
        out.append(query[last : m.start()])
        out.append(single * (lo - 1) + f"{head} SHORTEST {rest}{props}]{right}")
        last = closing.end()
    out.append(query[last:])
    return "".join(out)


#: What follows a variable-length relationship's bounds: a property map, ``]``, the arrow.
_RELATIONSHIP_END = re.compile(r"(?P<props>\s*(?:\{[^{}]*\})?\s*)\](?P<arrow>->|-)")


def _names_path(toks: list[_Token], k: int) -> bool:
    """``p = (`` in a pattern: a named path (its every path would be visible)."""
    return (
        k > 0
        and k + 1 < len(toks)
        and toks[k - 1].kind in ("word", "name")
        and toks[k + 1].text in ("(", "shortestPath", "allShortestPaths")
    )


def _inside_literal(toks: list[_Token], pos: int) -> bool:
    return any(t.kind in ("str", "name") and t.start <= pos < t.end for t in toks)


def _deduplicated_after(toks: list[_Token], pos: int) -> bool:
    """The first WITH/RETURN after ``pos`` ignores how many rows each binding has."""
    k = next((j for j, t in enumerate(toks) if t.start >= pos), len(toks))
    while k < len(toks) and not _starts_clause(toks, k, _PROJECTIONS):
        k += 1
    if k >= len(toks):
        return False
    if k + 1 < len(toks) and toks[k + 1].upper == "DISTINCT":
        return True
    end = _clause_end(toks, k + 1)
    seen_aggregate = False
    for j in range(k + 1, end - 1):
        t = toks[j]
        if t.kind == "word" and t.text.lower() in _AGGREGATES and toks[j + 1].text == "(":
            seen_aggregate = True
            distinct = j + 2 < end and toks[j + 2].upper == "DISTINCT"
            if not distinct and t.text.lower() not in _DUPLICATE_BLIND_AGGREGATES:
                return False
    return seen_aggregate


# -- names ----------------------------------------------------------------------------------
def check_name_case(query: str, names: Iterable[str]) -> None:
    """Refuse a label, type or property spelled in another case than the schema's.

    The engine matches these names in any case; Neo4j matches them exactly (``m.Downloads``
    is null there, ``(:model)`` matches nothing), so a query that relies on either would
    answer differently in the two. Strings, map values and variables are not judged.

    Raises:
        QueryError: naming the schema's spelling.
    """
    exact = set(names)
    by_lower = {n.lower(): n for n in exact}
    toks = _tokens(query)
    brackets: list[str] = []
    for k, t in enumerate(toks):
        if t.kind == "op" and t.text in "([{":
            brackets.append(t.text)
        elif t.kind == "op" and t.text in ")]}":
            if brackets:
                brackets.pop()
        elif t.kind == "word" and k > 0 and t.text not in exact:
            before = toks[k - 1].text
            is_property = before == "." and toks[k - 1].kind == "op"
            is_label = before in (":", "|") and bool(brackets) and brackets[-1] in "(["
            known = by_lower.get(t.text.lower())
            if (is_property or is_label) and known is not None:
                raise QueryError(
                    f"{t.text!r} is spelled {known!r} in the schema; names are matched "
                    f"exactly in Neo4j (did you mean {known}?)"
                )


# -- FalkorDB -------------------------------------------------------------------------------
def with_all_before_aggregates(query: str) -> str:
    """Insert ``WITH *`` before every aggregating projection that follows a ``MATCH``.

    FalkorDB (4.16) miscounts an aggregate over a multi-hop pattern when the aggregate does
    not name the pattern's relationships: ``MATCH (o:Org)-[:PUBLISHED]->(m)-[e]->(p)
    RETURN count(*)`` gives 3,278 rows on the sample where 5,272 match (``count(e)`` is
    right). ``WITH *`` changes nothing in Cypher's meaning and makes it count every row.

    >>> with_all_before_aggregates("MATCH (a)-->(b)-->(c) RETURN count(*)")
    'MATCH (a)-->(b)-->(c) WITH * RETURN count(*)'
    >>> with_all_before_aggregates("RETURN count(*)")
    'RETURN count(*)'
    """
    toks = _tokens(query)
    inserts: list[int] = []
    seen_match = False
    for k in _top_level(toks):
        word = toks[k].upper if toks[k].kind == "word" else ""
        if word == "MATCH":
            seen_match = True
        elif word == "UNION":
            seen_match = False
        elif seen_match and _starts_clause(toks, k, _PROJECTIONS):
            already = k >= 2 and toks[k - 2].upper == "WITH" and toks[k - 1].text == "*"
            if not already and _aggregates_in_projection(toks, k):
                inserts.append(toks[k].start)
            seen_match = False
    for pos in reversed(inserts):
        query = query[:pos] + "WITH * " + query[pos:]
    return query


def refuse_long_minimum_on_falkordb(query: str) -> None:
    """Refuse a variable-length pattern with a minimum above one hop (FalkorDB 4.16).

    Measured by the differential suite on the real sample: FalkorDB loses the end nodes
    that are also reachable by a shorter path (``*2..3`` from a merge missed its
    ``Qwen/Qwen2.5-7B`` root), a silently wrong answer.

    Raises:
        QueryError: naming what to write instead.
    """
    toks = _tokens(query)
    for m in _VAR_LENGTH.finditer(query):
        if not _inside_literal(toks, m.start()) and int(m.group("lo") or 1) > 1:
            raise QueryError(
                "FalkorDB drops end nodes also reachable by a shorter path when a "
                "variable-length pattern starts above one hop; write the first hops out, "
                "(a)-[:DERIVED_FROM]->()-[:DERIVED_FROM*1..]->(b), or use the embedded engine"
            )


def _aggregates_in_projection(toks: list[_Token], k: int) -> bool:
    """The projection starting at ``toks[k]`` (WITH/RETURN) calls an aggregate."""
    end = _clause_end(toks, k + 1)
    return any(
        toks[j].kind == "word" and toks[j].text.lower() in _AGGREGATES and toks[j + 1].text == "("
        for j in range(k + 1, end - 1)
    )


# -- MATCH semantics ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Hop:
    """One relationship of a pattern: its tokens ``[first, last]`` and what they say."""

    first: int
    last: int
    bracket: int | None  # index of ``[`` when written with brackets
    var: str | None
    types: tuple[str, ...]
    var_length: bool
    undirected: bool


@dataclass(frozen=True)
class _MatchClause:
    keyword: int  # index of MATCH
    optional: bool
    end: int  # index after the pattern (the WHERE, the next clause, or the end)
    where: int | None  # index of WHERE
    where_end: int  # index after the WHERE's condition (== end without one)
    hops: tuple[_Hop, ...]


def _match_clauses(toks: list[_Token]) -> list[_MatchClause]:
    out = []
    for k in _top_level(toks):
        if not (toks[k].kind == "word" and toks[k].upper == "MATCH"):
            continue
        optional = k > 0 and toks[k - 1].upper == "OPTIONAL"
        end = _clause_end(toks, k + 1)
        where = end if end < len(toks) and toks[end].upper == "WHERE" else None
        where_end = _clause_end(toks, where + 1) if where is not None else end
        out.append(_MatchClause(k, optional, end, where, where_end, _hops(toks, k + 1, end)))
    return out


def _clause_end(toks: list[_Token], k: int) -> int:
    """Index of the next clause keyword at ``k``'s level (or the end)."""
    return next((j for j in _top_level(toks, k) if _starts_clause(toks, j)), len(toks))


def _hops(toks: list[_Token], start: int, end: int) -> tuple[_Hop, ...]:
    """The relationships of a MATCH pattern: what lies between a node's ``)`` and ``(``."""
    hops = []
    k = start
    while k < end:
        if toks[k].text == "(" and toks[k].kind == "op":
            k = _closing(toks, k) + 1
            first = k
            while k < end and not (toks[k].kind == "op" and toks[k].text in "(,"):
                if toks[k].text == "[":
                    k = _closing(toks, k)
                k += 1
            if k < end and toks[k].text == "(" and k > first:
                hops.append(_hop(toks, first, k - 1))
            continue
        k += 1
    return tuple(hops)


def _hop(toks: list[_Token], first: int, last: int) -> _Hop:
    left, right = toks[first].text, toks[last].text
    undirected = (left, right) in (("-", "-"), ("<-", "->"))
    bracket = next((j for j in range(first, last + 1) if toks[j].text == "["), None)
    var, types, var_length = None, [], False
    if bracket is not None:
        inner = toks[bracket + 1 : _closing(toks, bracket)]
        if inner and inner[0].kind in ("word", "name"):
            var = inner[0].text
        types = [
            inner[j + 1].text
            for j in range(len(inner) - 1)
            if inner[j].text in (":", "|") and inner[j + 1].kind in ("word", "name")
        ]
        var_length = any(t.text == "*" for t in inner)
    return _Hop(first, last, bracket, var, tuple(types), var_length, undirected)


def neo4j_matching(query: str) -> str:
    """Make each ``MATCH`` mean what it means in Neo4j on the embedded engine.

    * A relationship is used at most once per ``MATCH`` (Neo4j's relationship uniqueness;
      the engine would let two hops of one type take the same edge): hops that could be the
      same edge are named and told apart in the clause's ``WHERE``.
    * A ``WHERE`` after a plain ``MATCH`` of two or more hops is applied after ``WITH *``
      (the engine's release pinned here keeps rows that fail it otherwise).
    * An undirected ``HAS_ROOT`` (or untyped) hop is refused: every root has a ``HAS_ROOT``
      self-loop, which the engine would match twice.

    Raises:
        QueryError: an undirected hop that could match a self-loop.
    """
    toks = _tokens(query)
    if not toks:
        return query
    projects_all = any(
        toks[k].upper in ("RETURN", "WITH") and toks[k + 1].text == "*"
        for k in range(len(toks) - 1)
    )
    edits: list[tuple[int, int, str]] = []  # (start, end, text) in the query's characters
    named = 0
    for clause in _match_clauses(toks):
        for hop in clause.hops:
            if hop.undirected and (not hop.types or "HAS_ROOT" in hop.types):
                raise QueryError(
                    "an undirected HAS_ROOT (or untyped) relationship is not supported here: "
                    "every root has a HAS_ROOT to itself, which this engine matches twice; "
                    "write the direction, (m)-[:HAS_ROOT]->(root)"
                )
        names: dict[int, str] = {}
        pairs = _same_edge_pairs(clause.hops) if not projects_all else []
        for i in sorted({i for pair in pairs for i in pair}):
            hop = clause.hops[i]
            if hop.var is not None:
                names[i] = hop.var
                continue
            named += 1
            names[i] = f"__hfl_r{named}"
            edits.append(_name_hop(toks, hop, names[i]))
        distinct = " AND ".join(f"{names[i]} <> {names[j]}" for i, j in pairs)
        after_with = not clause.optional and len(clause.hops) >= 2
        if clause.where is not None and (distinct or after_with):
            w = toks[clause.where]
            cond_start = toks[clause.where + 1].start
            cond_end = toks[clause.where_end - 1].end
            head = ("WITH * " if after_with else "") + "WHERE "
            condition = query[cond_start:cond_end]
            if distinct:
                condition = f"{distinct} AND ({condition})"
            edits.append((w.start, cond_end, head + condition))
        elif distinct:
            at = toks[clause.end - 1].end
            edits.append((at, at, (" WITH *" if after_with else "") + f" WHERE {distinct}"))
    for start, end, text in sorted(edits, reverse=True):
        query = query[:start] + text + query[end:]
    return query


def _same_edge_pairs(hops: tuple[_Hop, ...]) -> list[tuple[int, int]]:
    """Pairs of single hops that one relationship could match both of."""
    return [
        (i, j)
        for i in range(len(hops))
        for j in range(i + 1, len(hops))
        if not hops[i].var_length
        and not hops[j].var_length
        and (not hops[i].types or not hops[j].types or set(hops[i].types) & set(hops[j].types))
    ]


def _name_hop(toks: list[_Token], hop: _Hop, name: str) -> tuple[int, int, str]:
    """The edit that gives an anonymous hop a variable."""
    if hop.bracket is not None:
        at = toks[hop.bracket].end
        return (at, at, name)
    left, right = toks[hop.first].text, toks[hop.last].text
    start, end = toks[hop.first].start, toks[hop.last].end
    return (start, end, f"{left}[{name}]{right}")


# -- ORDER BY on text -----------------------------------------------------------------------
_DIRECTIONS = frozenset({"ASC", "ASCENDING", "DESC", "DESCENDING"})


def null_safe_order(query: str, text_properties: Iterable[str]) -> str:
    """Order text keys that may be null the way Neo4j does, without comparing the nulls.

    The pinned engine sometimes orders rows whose text key is null by stale bytes: with
    ``LIMIT`` that returns wrong rows, differently from one process to the next. Each
    ``ORDER BY`` key that is a text property (or the alias of one) becomes
    ``key IS NULL, coalesce(key, '')`` in the same direction, which is Neo4j's order (nulls
    last ascending, first descending) with no null left to compare.

    >>> null_safe_order("MATCH (m) RETURN m.family AS f ORDER BY f DESC", {"family"})
    "MATCH (m) RETURN m.family AS f ORDER BY f IS NULL DESC, coalesce(f, '') DESC"
    """
    texts = set(text_properties)
    toks = _tokens(query)
    edits: list[tuple[int, int, str]] = []
    for k in range(len(toks) - 1):
        if not (toks[k].upper == "ORDER" and toks[k + 1].upper == "BY"):
            continue
        aliases = _text_aliases(toks, k, texts)
        end = _clause_end(toks, k + 2)
        for a, b in _split_top(toks, k + 2, end, ","):
            if a >= b:
                continue
            direction = toks[b - 1].upper if toks[b - 1].upper in _DIRECTIONS else ""
            key_end = b - 1 if direction else b
            key = toks[a:key_end]
            is_text = (len(key) == 1 and key[0].text in aliases) or (
                len(key) == 3 and key[1].text == "." and key[2].text in texts
            )
            if not is_text:
                continue
            text = query[toks[a].start : toks[key_end - 1].end]
            suffix = f" {toks[b - 1].text}" if direction else ""
            edits.append(
                (
                    toks[a].start,
                    toks[b - 1].end,
                    f"{text} IS NULL{suffix}, coalesce({text}, ''){suffix}",
                )
            )
    for start, end, text in sorted(edits, reverse=True):
        query = query[:start] + text + query[end:]
    return query


def _text_aliases(toks: list[_Token], order_at: int, texts: set[str]) -> set[str]:
    """Aliases given to text properties by the projection that ``ORDER BY`` follows."""
    k = order_at - 1
    while k >= 0 and not _starts_clause(toks, k, _PROJECTIONS):
        k -= 1
    if k < 0:
        return set()
    start = k + 2 if k + 1 < len(toks) and toks[k + 1].upper == "DISTINCT" else k + 1
    out = set()
    for a, b in _split_top(toks, start, order_at, ","):
        item = toks[a:b]
        if (
            len(item) == 5
            and item[1].text == "."
            and item[2].text in texts
            and item[3].upper == "AS"
        ):
            out.add(item[4].text)
    return out
