#!/usr/bin/env python3
"""Finds hand-written panicking twins in crates/ember/src and converts them to `#[panicking]`.

A twin is a function `foo(args) -> T` whose whole body is `self.try_foo(args).or_panic()`
(or `Self::try_foo(..)` / `try_foo(..)`), next to `try_foo(args) -> Result<T>` with the same
visibility, generics and arguments. `#[panicking]` (crates/ember-derive/src/panicking.rs) on
`try_foo` generates `foo`; this script deletes the hand-written `foo`, moves the user-facing
docs onto `try_foo` (where the macro takes them from; `# Errors` there becomes `foo`'s
`# Panics`), and adds the attribute.

    python3 tools/panicking_twins.py                 # count twins per file (all of src/)
    python3 tools/panicking_twins.py --list FILE...  # show each twin found
    python3 tools/panicking_twins.py --convert FILE... # rewrite those files in place

The edits are small and local (each twin's two functions, the `use` lines); review the
diff, build, and commit file by file. Twins the script cannot convert safely (different
arguments, docs on both forms, unusual attributes) are reported and left alone.
"""

from __future__ import annotations

import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ember", "src")


def match_close(s: str, i: int, open_c: str, close_c: str) -> int:
    """Index after the bracket closing the one at s[i] (skips strings, chars, comments)."""
    depth, j, n = 0, i, len(s)
    while j < n:
        c = s[j]
        if s.startswith("//", j):
            j = s.find("\n", j)
            j = n if j < 0 else j
            continue
        if c == '"':
            j += 1
            while j < n and s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            j += 1
            continue
        if c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", s[j:j + 12]):
            j += len(re.match(r"'(\\.[^']*|[^\\'])'", s[j:j + 12]).group(0))
            continue
        if c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise ValueError("unbalanced")


class Fn:
    """One `fn` item: its docs/attributes block, signature and body, by offsets."""

    def __init__(self, s: str, fn_at: int):
        self.s = s
        # The item starts at its line (visibility etc. before `fn`).
        line_start = s.rfind("\n", 0, fn_at) + 1
        self.head_start = line_start
        # Walk up over attributes and doc comments.
        start = line_start
        while True:
            prev_end = start - 1
            if prev_end <= 0:
                break
            prev_start = s.rfind("\n", 0, prev_end) + 1
            line = s[prev_start:prev_end].strip()
            if line.startswith("///") or line.startswith("#[") or (
                    line.endswith("]") and not line.startswith("//") and self._in_attr(prev_start)):
                start = prev_start
            else:
                break
        self.start = start
        m = re.compile(r"fn\s+(\w+)").match(s, fn_at)
        self.name = m.group(1)
        # Signature: up to the body's `{` at depth 0 (generics and parens skipped).
        j = m.end()
        while s[j] != "{":
            if s[j] == "(":
                j = match_close(s, j, "(", ")")
            elif s[j] == "<":
                j = self._skip_angle(j)
            elif s[j] == ";":
                raise ValueError("no body")
            else:
                j += 1
        self.sig = s[line_start:j].strip()
        self.body_start = j
        self.end = match_close(s, j, "{", "}")
        self.body = s[j + 1:self.end - 1].strip()
        block = s[start:line_start]
        self.docs = [ln.strip() for ln in block.splitlines() if ln.strip().startswith("///")]
        self.attrs = [ln.strip() for ln in block.splitlines()
                      if ln.strip() and not ln.strip().startswith("///")]
        self.indent = s[line_start:fn_at][: len(s[line_start:fn_at]) - len(s[line_start:fn_at].lstrip())]

    def _in_attr(self, pos):
        return False

    def _skip_angle(self, j):
        depth = 0
        s = self.s
        while True:
            c = s[j]
            if c == "<":
                depth += 1
            elif c == ">" and s[j - 1] != "-":
                depth -= 1
                if depth == 0:
                    return j + 1
            elif c == "(":
                j = match_close(s, j, "(", ")") - 1
            j += 1


def parse_sig(sig: str):
    """(visibility+qualifiers, generics, params string, return type, where clause)."""
    m = re.match(r"(.*?)\bfn\s+\w+\s*", sig, re.S)
    quals = m.group(1).strip()
    rest = sig[m.end():]
    generics = ""
    if rest.startswith("<"):
        depth, k = 0, 0
        while True:
            if rest[k] == "<":
                depth += 1
            elif rest[k] == ">" and rest[k - 1] != "-":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        generics, rest = rest[:k + 1], rest[k + 1:]
    close = match_close(rest, rest.index("("), "(", ")")
    params = rest[rest.index("(") + 1:close - 1]
    tail = rest[close:].strip()
    where = ""
    wm = re.search(r"\bwhere\b", tail)
    if wm:
        where, tail = tail[wm.start():], tail[:wm.start()]
    ret = tail.strip()
    ret = ret[2:].strip() if ret.startswith("->") else ""
    return quals, norm(generics), params, norm(ret), norm(where)


def norm(x: str) -> str:
    x = re.sub(r"\s+", " ", x).strip()
    x = re.sub(r"\s*([<>(),:&\[\];=+])\s*", r"\1", x)
    return x.rstrip(",")


def split_params(params: str):
    out, depth, cur = [], 0, ""
    for c in params:
        if c in "(<[{":
            depth += 1
        elif c in ")>]}" and not cur.endswith("-"):
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip():
        out.append(cur.strip())
    return out


def param_name(p: str):
    """The argument's name in a call (`self` for receivers), None for a pattern."""
    if re.fullmatch(r"&?\s*('\w+\s+)?(mut\s+)?self", p):
        return "self"
    m = re.fullmatch(r"(?:mut\s+)?(\w+)\s*:.*", p, re.S)
    return m.group(1) if m else None


def ok_of(ret: str):
    m = re.fullmatch(r"(?:(?:crate|ember)::)?(?:error::)?Result<(.*)>", ret)
    if not m:
        return None
    inner = m.group(1)
    # `Result<T, E>`: the first argument at depth 0.
    parts = split_params(inner)
    return norm(parts[0]) if parts else None


STUB = re.compile(r"^///\s*(Panicking (form|version|twin)|The panicking|Like \[`?(Self::|Tensor::)?try_"
                  r"|Like `try_|Fallible (form |version )?(of )?\[|Fallible (form|version)|The fallible|Like \[[`\w:]+\]\([^)]*try_"
                  r"|Like \[`\w+`\]\(Self::\w+\), but returns)")


def is_stub(docs):
    return (not docs) or (bool(STUB.match(docs[0])) and not any(d.startswith("/// ```") for d in docs))


def section(docs, heading):
    """(docs without the section, the section's lines with heading) for `# heading`."""
    out, sec, in_sec, in_code = [], [], False, False
    for d in docs:
        t = d[3:].strip()
        if t.startswith("```"):
            in_code = not in_code
        if not in_code and re.match(r"#+ ", t):
            in_sec = t == f"# {heading}"
        (sec if in_sec else out).append(d)
    while out and out[-1] == "///":
        out.pop()
    while sec and sec[-1] == "///":
        sec.pop()
    return out, sec


class Twin:
    def __init__(self, pan: Fn, tr: Fn, args: list[str], assoc: bool):
        self.pan, self.tr, self.args, self.assoc = pan, tr, args, assoc


def find(s: str):
    """(twins, problems) in source s."""
    fns = {}
    order = []
    for m in re.finditer(r"(?m)^[ \t]*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+|unsafe\s+)*fn\s+\w+", s):
        at = s.index("fn", m.start() + len(m.group(0)) - len(re.search(r"fn\s+\w+$", m.group(0)).group(0)))
        try:
            f = Fn(s, at)
        except (ValueError, IndexError):
            continue
        fns.setdefault(f.name, []).append(f)
        order.append(f)
    twins, problems = [], []
    for f in order:
        body = re.sub(r"\s+", " ", f.body)
        m = re.fullmatch(r"(self\.|Self::|Tensor::)?try_(\w+)\((.*)\)\s?\.or_panic\(\)", body)
        if not m:
            m2 = re.fullmatch(r"crate::error::OrPanic::or_panic\((self\.|Self::|Tensor::)?try_(\w+)\((.*)\)\)", body)
            m = m2
        if not m or m.group(2) != f.name:
            continue
        cands = [t for t in fns.get("try_" + f.name, [])]
        if not cands:
            problems.append((f, "no try_ twin in this file"))
            continue
        tr = min(cands, key=lambda t: abs(t.start - f.start))
        pq, pg, pp, pr, pw = parse_sig(f.sig)
        tq, tg, tp, trr, tw = parse_sig(tr.sig)
        why = None
        pparams, tparams = split_params(pp), split_params(tp)
        names = [param_name(p) for p in pparams]
        call = [a.strip() for a in split_params(m.group(3))]
        expect = [n for n in names if n != "self"]
        if pq != tq:
            why = f"visibility/qualifiers differ: {pq!r} vs {tq!r}"
        elif pg != tg or pw != tw:
            why = "generics or where clause differ"
        elif len(pparams) != len(tparams) or any(
                norm(re.sub(r"^mut\s+", "", a)) != norm(re.sub(r"^mut\s+", "", b))
                for a, b in zip(pparams, tparams)):
            why = "arguments differ"
        elif None in names or call != expect:
            why = f"the call passes {call}, not the arguments {expect}"
        elif (ok_of(trr) or "") != (pr or "()"):
            why = f"return types: {pr!r} vs {trr!r}"
        elif (m.group(1) == "self.") != ("self" in names):
            why = "receiver mismatch"
        else:
            extra = [a for a in f.attrs if a not in ("#[track_caller]", "#[must_use]", "#[inline]")]
            tr_cfg = [a for a in tr.attrs if a.startswith("#[cfg")]
            if [a for a in extra if not a.startswith("#[cfg")] or [a for a in extra if a.startswith("#[cfg")] != tr_cfg:
                why = f"attributes {extra}"
            elif "#[track_caller]" not in f.attrs:
                why = "no #[track_caller] on the panicking form"
        if why:
            problems.append((f, why))
            continue
        assoc = m.group(1) in ("Self::", "Tensor::") and "self" not in names
        twins.append(Twin(f, tr, f.attrs, assoc))
    return twins, problems


def main_docs(tw: Twin):
    """The docs `try_foo` gets under `#[panicking]`, or None when it is unclear."""
    p, t = tw.pan.docs, tw.tr.docs
    if is_stub(p) and not is_stub(t):
        return t
    if p and t and not any(d.startswith("/// ```") for d in p) and not STUB.match(t[0]):
        # A panicking form with a summary only (what `try_foo` says already).
        summary = p[0][3:].strip().rstrip(".")
        if summary and summary in t[0]:
            return t
    if t and STUB.match(t[0]) and not is_stub(p):
        main, _panics = section(p, "Panics")
        t_extra, errors = section(t[1:], "Errors")
        while t_extra and t_extra[0] == "///":
            t_extra.pop(0)
        if not errors and _panics:
            errors = [d.replace("# Panics", "# Errors", 1) for d in _panics]
        return main + (["///"] + t_extra if t_extra else []) + (["///"] + errors if errors else [])
    if p and STUB.match(p[0]) and not is_stub(t):
        # A stub line with an example of its own: the example joins the main docs.
        extra, _ = section(p[1:], "Panics")
        while extra and extra[0] == "///":
            extra.pop(0)
        t_main, t_err = section(t, "Errors")
        return t_main + ["///"] + extra + (["///"] + t_err if t_err else [])
    if p and t and not any(d.startswith("/// ```") for d in t):
        # Summaries on both, an example on the panicking form only: `try_foo`'s summary and
        # `# Errors` with the panicking form's example.
        extra, _ = section(p[1:], "Panics")
        while extra and extra[0] == "///":
            extra.pop(0)
        t_main, t_err = section(t, "Errors")
        return t_main + (["///"] + extra if extra else []) + (["///"] + t_err if t_err else [])
    return None


def convert(path: str) -> tuple[int, list[str]]:
    s = open(path, encoding="utf-8").read()
    twins, problems = find(s)
    notes = [f"{path}: {f.name}: {why}" for f, why in problems]
    edits = []  # (start, end, replacement)
    done = 0
    for tw in twins:
        docs = main_docs(tw)
        if docs is None:
            notes.append(f"{path}: {tw.pan.name}: docs on both forms (or neither); left alone")
            continue
        flags = []
        if "#[must_use]" in tw.pan.attrs:
            flags.append("must_use")
        if tw.assoc:
            flags.append("assoc")
        ind = tw.tr.indent
        attr = f"{ind}#[panicking({', '.join(flags)})]\n" if flags else f"{ind}#[panicking]\n"
        # try_foo's block: its docs replaced, its attributes kept, the attribute added last.
        tr_attrs = "".join(f"{ind}{a}\n" for a in tw.tr.attrs)
        new_head = "".join(f"{ind}{d}\n" for d in docs) + tr_attrs + attr
        edits.append((tw.tr.start, tw.tr.head_start, new_head))
        # Delete the panicking form with the blank line after (or before) it.
        a, b = tw.pan.start, tw.pan.end
        if s[b:b + 1] == "\n":
            b += 1
        if s[b:b + 1] == "\n":
            b += 1
        elif s[a - 2:a] == "\n\n":
            a -= 1
        edits.append((a, b, ""))
        done += 1
    for a, b, rep in sorted(edits, reverse=True):
        s = s[:a] + rep + s[b:]
    if done:
        s = fix_imports(s)
        open(path, "w", encoding="utf-8").write(s)
    return done, notes


def fix_imports(s: str) -> str:
    # `OrPanic` may have become unused.
    uses_left = len(re.findall(r"\bor_panic\b", s))
    if uses_left == 0:
        s = re.sub(r"\bOrPanic,\s*", "", s, count=1)
        s = re.sub(r",\s*OrPanic\b", "", s, count=1)
        s = re.sub(r"(?m)^\s*use crate::error::OrPanic;\n", "", s)
        s = re.sub(r"use crate::error::\{(\w+)\};", r"use crate::error::\1;", s)
    if not re.search(r"(?m)^use ember_derive::panicking;", s):
        uses = list(re.finditer(r"(?m)^(?:pub(?:\([^)]*\))? )?use ([^;]*);\n", s))
        if uses:
            # In rustfmt's order: before the first later path of the last block of `use`s.
            later = [u for u in uses if not re.match(r"(crate|super|self)\b", u.group(1))
                     and u.group(1) > "ember_derive::panicking"
                     and not s[uses[0].start():u.start()].count("\n\n")]
            at = later[0].start() if later else uses[-1].end()
            s = s[:at] + "use ember_derive::panicking;\n" + s[at:]
        else:
            m = re.search(r"(?m)^(?!//!)", s)
            s = s[:m.start()] + "use ember_derive::panicking;\n\n" + s[m.start():]
    return s


def files_under(src):
    for root, _, names in os.walk(src):
        for n in sorted(names):
            if n.endswith(".rs"):
                yield os.path.join(root, n)


def main(argv):
    if argv and argv[0] == "--convert":
        total = 0
        for path in argv[1:]:
            n, notes = convert(path)
            total += n
            print(f"{path}: converted {n}")
            for note in notes:
                print("  left:", note)
        print(f"converted {total}")
        return 0
    paths = argv[1:] if argv and argv[0] == "--list" else sorted(files_under(SRC))
    grand, grand_left, lines = 0, 0, 0
    for path in paths:
        s = open(path, encoding="utf-8").read()
        twins, problems = find(s)
        if argv and argv[0] == "--list":
            for tw in twins:
                print(f"{path}: {tw.pan.name} (docs: {'try' if is_stub(tw.pan.docs) else 'pan'})")
            for f, why in problems:
                print(f"{path}: {f.name}: NOT a plain twin: {why}")
        n = len(twins) + len(problems)
        if n:
            rel = os.path.relpath(path, SRC)
            ln = sum(s[tw.pan.start:tw.pan.end].count("\n") + 1 for tw in twins)
            lines += ln
            if not (argv and argv[0] == "--list"):
                print(f"{len(twins):4} twins {len(problems):3} other  {ln:5} lines  {rel}")
        grand += len(twins)
        grand_left += len(problems)
    print(f"{grand} convertible twins ({lines} lines), {grand_left} other panicking forms "
          f"calling try_ + or_panic")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
