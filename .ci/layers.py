#!/usr/bin/env python3
"""The layer check of sepconv-core: every `crate::…` and `super::…` path in
core/src/ is resolved to the module file it names, and the imports must keep
these layers (docs/architecture in core/src/lib.rs):

    leaves     error border image kernel fixed fixed16 sample arch generate
               depthwise/quant depthwise/geometry      import only leaves
    simd/      the vector vocabulary and every impl    imports leaves
    engines    pass/, depthwise/f32, depthwise/i8      import simd/ and leaves
    backend    backend.rs                              imports arch, simd, leaves
    entries    plan, stream, box_filter, direct2d, reference, depthwise/mod,
               depthwise/reference, lib                anything

Only the entries import backend.rs, and no two module files import each
other through a circle. Prints each broken rule and exits 1 if there is one.
Run from the repository root: python3 .ci/layers.py
"""
import re
import sys
from pathlib import Path

ROOT = Path("core/src")

LEAVES = {"error", "border", "image", "kernel", "fixed", "fixed16", "sample", "arch", "generate",
          "depthwise/quant", "depthwise/geometry"}
ENGINES = {"pass", "depthwise/f32", "depthwise/i8"}
ENTRIES = {"plan", "stream", "box_filter", "direct2d", "reference", "depthwise", "depthwise/reference", "lib"}


def module_of(path: Path) -> str:
    """The module a file belongs to, as a layer name: `pass/row.rs` is
    `pass`, `simd/x86_64/avx2.rs` is `simd`, `depthwise/i8.rs` is
    `depthwise/i8`, `depthwise/mod.rs` is `depthwise`."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] in ("pass", "simd", "arch", "generate", "plan"):
        return parts[0]
    if parts[-1] == "mod":
        parts = parts[:-1]
    return "/".join(parts)


def resolve(path: Path, segments: list) -> str:
    """The layer of the module a path `crate::a::b` or `super::a` names."""
    if segments[0] == "crate":
        names = segments[1:]
        base = ROOT
    else:  # super::…
        names = segments[1:]
        base = path.parent if path.name != "mod.rs" else path.parent.parent
    candidate = base
    for name in names:
        if (candidate / f"{name}.rs").exists():
            return module_of(candidate / f"{name}.rs")
        if (candidate / name / "mod.rs").exists():
            candidate = candidate / name
            continue
        break
    if candidate == base and segments[0] == "super":
        target = base / "mod.rs" if (base / "mod.rs").exists() else None
        return module_of(target) if target else "lib"
    return module_of(candidate / "mod.rs") if candidate != ROOT else "lib"


def layer(module: str) -> str:
    if module in LEAVES:
        return "leaf"
    if module == "simd":
        return "simd"
    if module in ENGINES:
        return "engine"
    if module == "backend":
        return "backend"
    if module in ENTRIES:
        return "entry"
    return "unknown"


ALLOWED = {
    "leaf": {"leaf"},
    "simd": {"leaf", "simd"},
    "engine": {"leaf", "simd", "engine"},
    "backend": {"leaf", "simd", "backend"},
    "entry": {"leaf", "simd", "engine", "backend", "entry"},
}

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def main() -> int:
    errors = []
    edges = {}
    for path in sorted(ROOT.rglob("*.rs")):
        src = module_of(path)
        if layer(src) == "unknown":
            errors.append(f"{path}: module `{src}` has no layer (add it to .ci/layers.py)")
            continue
        inline_mod = False  # inside `mod tests { … }`, `super` is the file itself
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if re.match(r"\s*(pub(\(crate\))? )?mod \w+ \{", code):
                inline_mod = True
            for m in PATH.finditer(code):
                segments = [m.group(1)] + m.group(2).strip(":").split("::")
                if inline_mod and segments[0] == "super":
                    continue
                dst = resolve(path, segments)
                if dst == src:
                    continue
                edges.setdefault(src, set()).add(dst)
                if layer(dst) not in ALLOWED[layer(src)]:
                    errors.append(f"{path}:{n}: {src} ({layer(src)}) imports {dst} ({layer(dst)})")
                if dst == "backend" and layer(src) != "entry":
                    errors.append(f"{path}:{n}: only the entry points import backend.rs")
    # Circles between modules.
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                errors.append("circle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    for e in errors:
        print(e)
    if errors:
        print(f"layer check: {len(errors)} broken rule(s)")
        return 1
    print(f"layer check: {len(edges)} modules, no broken rule, no circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
