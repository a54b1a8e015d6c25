#!/usr/bin/env python3
"""List C++ functions longer than N lines (default 80) under the given folders (default libs tools).

CONTRIBUTING.md section 4: no function over ~80 lines without a comment saying why it is one piece.
A function whose first line (or the line above it) carries a comment containing "one piece" is listed
with "(reason given)". Heuristic brace matching: strings, chars and comments are skipped; a block is a
function when the text before its "{" has a parameter list and is not a class, namespace, enum or a
control statement, and its enclosing block is not itself a function (lambdas count with their function).
Usage: scripts/long_functions.py [--max N] [folders...]
"""
import re
import sys
from pathlib import Path

CONTROL = re.compile(r"^\s*(if|for|while|switch|catch|do|else|return)\b")
SCOPE = re.compile(r"\b(class|struct|namespace|enum|union)\b[^()]*$")


def strip(text):
    """Blanks out comments, string and char literals, keeping newlines (so line numbers hold)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + (m.group(1) if m else "") + '"', i)
            j = n if end < 0 else end + len(m.group(1) if m else "") + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)


def functions(path):
    raw = path.read_text(errors="replace")
    text = strip(raw)
    lines = raw.split("\n")
    stack = []  # (kind, start offset, head)
    last = 0  # start of the current statement head
    for i, c in enumerate(text):
        if c == "{":
            head = text[last:i].strip()
            in_function = any(k == "fn" for k, _, _ in stack)
            is_fn = (not in_function and "(" in head and ")" in head and not CONTROL.match(head)
                     and not SCOPE.search(head.split("(")[0]) and not head.endswith("="))
            stack.append(("fn" if is_fn else "block", i, head))
            last = i + 1
        elif c == "}":
            if stack:
                kind, start, head = stack.pop()
                if kind == "fn":
                    first = text.count("\n", 0, start) + 1
                    lastl = text.count("\n", 0, i) + 1
                    name = re.sub(r"\s+", " ", head.split("(")[0]).split(" ")[-1]
                    sig_line = first - head.count("\n")
                    near = " ".join(lines[max(0, sig_line - 3):first])
                    yield name, sig_line, lastl - sig_line + 1, "one piece" in near.lower()
            last = i + 1
        elif c == ";":
            last = i + 1


def main():
    args = sys.argv[1:]
    limit = 80
    if args[:1] == ["--max"]:
        limit, args = int(args[1]), args[2:]
    roots = args or ["libs", "tools"]
    found = []
    for root in roots:
        for p in sorted(Path(root).rglob("*")):
            if p.suffix in (".cpp", ".h", ".cc", ".hpp") and p.is_file():
                for name, line, n, reason in functions(p):
                    if n > limit:
                        found.append((n, f"{p}:{line}", name, reason))
    for n, where, name, reason in sorted(found, reverse=True):
        print(f"{n:5d}  {where}  {name}{'  (reason given)' if reason else ''}")
    print(f"{len(found)} function(s) over {limit} lines", file=sys.stderr)


if __name__ == "__main__":
    main()
