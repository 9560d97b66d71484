#!/usr/bin/env python3
"""The largest stack frames of the app's WASM, from the unsplit module the release build leaves in
target/front (its name section names them). Rust's WASM has a 1 MiB stack; a frame is the state a
function keeps on it (an inlined async state machine can be hundreds of KB). When hydration's chain
of frames passes 1 MiB the page dies with "memory access out of bounds" before anything works: that
happened once the routes grew (shell/mod.rs, `Pages`). This prints the largest frames and fails when
the four largest together pass the limit given (default 512 KiB: half the stack, a margin for the
frames under them that this does not add up).

Usage: scripts/stack_frames.py [WASM] [--limit BYTES] [--top N]
"""
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def sleb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return (r - (1 << s) if x & 0x40 else r), i


def functions(data):
    """The module's defined functions: (function index, body offset, body size) for each, in the
    code section's order, and their names from the name section ({index: name}, mangled)."""
    imported, bodies, names = 0, [], {}
    i = 8
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if sid == 2:  # imports: functions count before the code section's bodies
            n, j = leb(data, i)
            for _ in range(n):
                for _ in range(2):
                    l, j = leb(data, j)
                    j += l
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imported += 1
                elif kind == 1:
                    flags, j = leb(data, j + 1)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                else:
                    j += 2
        elif sid == 10:
            n, j = leb(data, i)
            for k in range(n):
                sz, j2 = leb(data, j)
                bodies.append((k + imported, j2, sz))
                j = j2 + sz
        elif sid == 0:
            l, j = leb(data, i)
            if data[j : j + l] == b"name":
                j += l
                while j < end:
                    sub = data[j]
                    ssz, j = leb(data, j + 1)
                    if sub == 1:
                        n, k = leb(data, j)
                        for _ in range(n):
                            idx, k = leb(data, k)
                            l2, k = leb(data, k)
                            names[idx] = data[k : k + l2].decode(errors="replace")
                            k += l2
                    j += ssz
        i = end
    return bodies, names


def frames(data):
    """(frame bytes, function index) for every function whose body starts by moving the stack
    pointer (global 0) down by a constant: `global.get 0; i32.const N; i32.sub`."""
    bodies, names = functions(data)
    out = []
    for idx, j, _ in bodies:
        n, j = leb(data, j)
        for _ in range(n):
            _, j = leb(data, j)
            j += 1
        if data[j] == 0x23:
            g, k = leb(data, j + 1)
            if g == 0 and data[k] == 0x41:
                c, k2 = sleb(data, k + 1)
                if data[k2] == 0x6B:
                    out.append((c, names.get(idx, f"function {idx}")))
    return sorted(out, reverse=True)


def main():
    args = sys.argv[1:]
    limit, top, path = 512 * 1024, 8, "target/front/wasm32-unknown-unknown/wasm-release/app.wasm"
    while args:
        a = args.pop(0)
        if a == "--limit":
            limit = int(args.pop(0))
        elif a == "--top":
            top = int(args.pop(0))
        else:
            path = a
    found = frames(open(path, "rb").read())
    for size, name in found[:top]:
        print(f"{size:>9} B  {name[:150]}")
    four = sum(s for s, _ in found[:4])
    print(f"the four largest frames: {four} B, limit {limit} B (stack 1 MiB)")
    if four > limit:
        print("over: a view's state is inlined into one frame; erase it (`.into_any()`) where it is built", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
