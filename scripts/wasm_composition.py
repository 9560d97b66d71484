#!/usr/bin/env python3
"""What the app's WASM code is made of: the bytes of function bodies in the unsplit module the
release build leaves in target/front (before wasm-opt and splitting; its name section names every
function), summed by crate and by what the function does for a view (hydrate, build, rebuild) or
for serde. Read the shares, not the bytes: wasm-opt and brotli shrink every part, not equally.
#12's targets (350 KB a page, hydrated in 2.5 s) are about the size of this code (BENCHMARKS.md).

Usage: scripts/wasm_composition.py [WASM] [--top N]
"""
import collections
import re
import sys

from stack_frames import functions

ESCAPES = {"$LT$": "<", "$GT$": ">", "$u20$": " ", "$RF$": "&", "$LP$": "(", "$RP$": ")", "$C$": ",",
           "$u7b$": "{", "$u7d$": "}", "$BP$": "*", "$SP$": "@", "$u27$": "'", "$u5b$": "[", "$u5d$": "]",
           "$u7e$": "~", "$u3b$": ";", "$u21$": "!", "$u2b$": "+"}


def demangle(name):
    """Rust's legacy mangling (`_ZN…E`) to a path, without the hash; other names as they are."""
    if not name.startswith("_ZN"):
        return name
    i, parts = 3, []
    while i < len(name) and name[i] != "E":
        m = re.match(r"\d+", name[i:])
        if not m:
            break
        n = int(m.group())
        i += len(m.group())
        part = name[i : i + n]
        i += n
        if part.startswith("_$"):
            part = part[1:]
        for k, v in ESCAPES.items():
            part = part.replace(k, v)
        parts.append(part.replace("..", "::"))
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    return "::".join(parts)


def crate(path):
    """The crate a function is charged to: the type's crate for `<Type as Trait>` unless the type
    is generic (a single letter, a tuple, a reference to one), then the trait's."""
    m = re.match(r"<(.*?) as ([A-Za-z_][A-Za-z0-9_]*)", path)
    if m:
        ty = m.group(1).lstrip("&").replace("mut ", "").strip()
        own = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", ty)
        return own.group(1) if own else m.group(2)
    m = re.match(r"<?([A-Za-z_][A-Za-z0-9_]*)", path)
    return m.group(1) if m else "?"


# A function counts for the first role one of whose words is in its path.
ROLES = [("hydrate (async: lazy routes)", ("::hydrate_async",)), ("hydrate (attributes, text)", ("::hydrate",)),
         ("build (rendering in the browser)", ("::build",)), ("rebuild (updates)", ("::rebuild",)),
         ("serde (JSON in and out)", ("serde", "deserialize", "serialize")),
         ("reactive graph (signals, effects, resources, actions, owners)", ("reactive_graph", "leptos_server"))]


def main():
    args = sys.argv[1:]
    top, path = 25, "target/front/wasm32-unknown-unknown/wasm-release/app.wasm"
    while args:
        a = args.pop(0)
        if a == "--top":
            top = int(args.pop(0))
        else:
            path = a
    bodies, names = functions(open(path, "rb").read())
    total = sum(size for _, _, size in bodies)
    by_crate, by_role = collections.Counter(), collections.Counter()
    for idx, _, size in bodies:
        name = demangle(names.get(idx, "?"))
        by_crate[crate(name)] += size
        by_role[next((r for r, words in ROLES if any(w in name for w in words)), "other")] += size
    print(f"{path}: {len(bodies)} functions, {total} B of code (before wasm-opt)")
    print("\nby crate:")
    for k, v in by_crate.most_common(top):
        print(f"{v:>10} B {100 * v / total:5.1f} %  {k}")
    print("\nby what it does:")
    for k, v in by_role.most_common():
        print(f"{v:>10} B {100 * v / total:5.1f} %  {k}")


if __name__ == "__main__":
    main()
