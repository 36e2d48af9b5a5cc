#!/usr/bin/env python3
"""Worst-case stack depth of a Thumb-2 ELF, from its disassembly.

Usage: arm-none-eabi-objdump -d -C --no-show-raw-insn ELF | stack_peak.py ROOT [ROOT...]

Each function's frame is what its prologue reserves (push/stmdb, vpush, and
`sub sp, #n`); the peak of a root is the deepest frame sum over the static
call graph (bl/b to named functions; recursion and indirect calls are not
followed). Prints the peak and the chain that reaches it, for each root
(a root is matched as a substring of the demangled name).
"""
import re
import sys

HEADER = re.compile(r"^([0-9a-f]+) <(.*)>:$")
TARGET = re.compile(r"^[0-9a-f]+ <(.*?)(\+0x[0-9a-f]+)?>$")


def regs(text):
    n = 0
    for r in text.strip("{} ").split(","):
        r = r.strip()
        if "-" in r:
            a, b = r.split("-")
            n += int(b[1:]) - int(a[1:]) + 1
        elif r:
            n += 1
    return n


def parse(lines):
    fns, cur = {}, None
    for line in lines:
        m = HEADER.match(line.rstrip("\n"))
        if m:
            cur = m.group(2)
            fns[cur] = [0, set()]
            continue
        parts = line.rstrip("\n").split("\t")
        if cur is None or len(parts) < 2:
            continue
        op, args = parts[1].strip(), parts[2].strip() if len(parts) > 2 else ""
        if op.startswith("push") or (op.startswith("stmdb") and args.startswith("sp!")):
            fns[cur][0] += 4 * regs(args[args.index("{"):])
        elif op.startswith("vpush"):
            fns[cur][0] += (8 if "d" in args else 4) * regs(args)
        elif op.startswith("sub") and re.match(r"sp, (sp, )?#\d+", args):
            fns[cur][0] += int(args.split("#")[1].split()[0])
        elif op.startswith("str") and re.search(r"\[sp, #-\d+\]!", args):
            fns[cur][0] += int(re.search(r"#-(\d+)", args).group(1))
        elif op in ("bl", "b", "b.w", "blx"):
            t = TARGET.match(args)
            if t and t.group(1) != cur:
                fns[cur][1].add(t.group(1))
    return fns


def peak(fns, f, memo, active=()):
    if f in memo:
        return memo[f]
    if f in active or f not in fns:
        return 0, []
    best = (0, [])
    for callee in fns[f][1]:
        p = peak(fns, callee, memo, active + (f,))
        if p[0] > best[0]:
            best = p
    memo[f] = (fns[f][0] + best[0], [(fns[f][0], f)] + best[1])
    return memo[f]


def main():
    fns = parse(sys.stdin)
    memo = {}
    for root in sys.argv[1:]:
        names = [f for f in fns if root in f]
        if not names:
            sys.exit(f"stack_peak: no function matches {root!r}")
        total, chain = max((peak(fns, f, memo) for f in names), key=lambda p: p[0])
        print(f"peak stack from {root}: {total} bytes")
        for size, f in chain:
            if size:
                print(f"  {size:6d}  {f[:110]}")


if __name__ == "__main__":
    main()
