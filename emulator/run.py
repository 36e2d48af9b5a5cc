"""Runs the AVX-512 checks (src/) on an emulated CPU and prints their log.

    python3 run.py PATH-TO-ELF

The program is a static, freestanding x86_64 ELF (no OS, no C library).
This script maps its loadable segments and a stack at the same virtual and
physical addresses, puts BochsCPU's CPU in 64-bit mode at privilege level 0
with SSE, AVX and AVX-512 state enabled (CR4.OSFXSR/OSXMMEXCPT/OSXSAVE,
XCR0 = x87|SSE|AVX|opmask|ZMM_Hi256|Hi16_ZMM), runs from the ELF's entry
point until `hlt`, then reads the program's STATUS and LOG symbols. Any CPU
exception (an instruction the emulator lacks, a stray access) ends the run
as a failure. Before it, control runs with the AVX-512 state disabled,
one per check group, must each stop with #UD: proof that every group
executes AVX-512 code. Exit status: 0 when every control faulted and the
program reports that every check passed, 1 otherwise.
"""

import os
import struct
import subprocess
import sys
import time

import bochscpu
import bochscpu.cpu
import bochscpu.memory as mem

PAGE = mem.page_size()
STACK_TOP = 0x7000_0000
STACK_SIZE = 64 << 20
PML4 = 0x1000_0000
XCR0_AVX = 0x07  # x87, SSE, AVX
XCR0_AVX512 = 0xE7  # and opmask, ZMM_Hi256, Hi16_ZMM
UD = 6  # invalid-opcode exception vector
CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_OSXSAVE = 1 << 9, 1 << 10, 1 << 18


def load_segments(image):
    """The PT_LOAD segments of an ELF64 image: (vaddr, file bytes, memory size)."""
    if image[:4] != b"\x7fELF" or image[4] != 2:
        raise ValueError("not an ELF64 file")
    (entry,) = struct.unpack_from("<Q", image, 0x18)
    (phoff,) = struct.unpack_from("<Q", image, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", image, 0x36)
    segments = []
    for i in range(phnum):
        p_type, _, offset, vaddr, _, filesz, memsz, _ = struct.unpack_from("<IIQQQQQQ", image, phoff + i * phentsize)
        if p_type == 1:
            segments.append((vaddr, image[offset : offset + filesz], memsz))
    return entry, segments


def write(address, data):
    if not mem.virt_write(PML4, address, data):
        raise RuntimeError(f"could not write {len(data)} bytes at {address:#x}")


def load(segments):
    """A fresh copy of the program's segments (`.bss` zeroed)."""
    for vaddr, data, memsz in segments:
        write(vaddr, list(data) + [0] * (memsz - len(data)))


def symbols(path):
    table = {}
    for line in subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            table[parts[2]] = int(parts[0], 16)
    return table


def run(entry, segments, syms, xcr0, only):
    """Runs the program from a fresh copy of its segments, with its ONLY
    variable set to `only`, until `hlt` or a CPU exception: (outcome,
    seconds, times of the program's marks)."""
    load(segments)
    write(syms["ONLY"], list(struct.pack("<Q", only)))
    session = bochscpu.Session()

    def missing_page(gpa):
        raise RuntimeError(f"access to unmapped physical page {gpa:#x}")

    session.missing_page_handler = missing_page
    state = bochscpu.State()
    bochscpu.cpu.set_long_mode(state)
    state.cr4 = state.cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE
    state.xcr0 = xcr0
    state.cr3 = PML4
    state.mxcsr = 0x1F80
    state.fpcw = 0x37F
    # As if `_start` had been called: rsp ≡ 8 (mod 16) at entry.
    state.rsp = STACK_TOP - 8
    state.rip = entry
    code = bochscpu.Segment()
    code.present, code.selector, code.base, code.limit, code.attr = True, 0x08, 0, 0xFFFF_FFFF, 0x209B  # 64-bit, DPL 0
    data = bochscpu.Segment()
    data.present, data.selector, data.base, data.limit, data.attr = True, 0x10, 0, 0xFFFF_FFFF, 0xC93
    state.cs = code
    state.ds = state.ss = state.es = state.fs = state.gs = data
    session.cpu.state = state

    outcome = {}

    def on_hlt(sess, cpu_id):
        outcome["halted"] = True
        sess.stop()

    def on_exception(sess, cpu_id, vector, error_code):
        outcome["exception"] = (vector, error_code, sess.cpu.state.rip)
        sess.stop()

    marks = []

    def on_clflush(sess, cpu_id, linear, physical):
        marks.append(time.time())

    hook = bochscpu.Hook()
    hook.hlt = on_hlt
    hook.clflush = on_clflush
    hook.exception = on_exception
    start = time.time()
    session.run([hook])
    return outcome, time.time() - start, marks


def main(path):
    image = open(path, "rb").read()
    entry, segments = load_segments(image)
    syms = symbols(path)

    # Identity-mapped pages: the ELF's segments and the stack.
    table = mem.PageMapLevel4Table()
    mapped = set()

    def map_range(start, end):
        for page in range(start & ~(PAGE - 1), end, PAGE):
            if page not in mapped:
                mapped.add(page)
                mem.page_insert(page, mem.allocate_host_page())
                table.insert(page, page, 1)

    for vaddr, data, memsz in segments:
        map_range(vaddr, vaddr + memsz)
    map_range(STACK_TOP - STACK_SIZE, STACK_TOP)
    for hva, gpa in table.commit(PML4):
        mem.page_insert(gpa, hva)

    read = lambda name, n: bytes(mem.virt_read(PML4, syms[name], n))

    # The controls: with AVX-512 state off (XCR0 without the opmask and ZMM
    # bits), each check group alone must raise #UD, which here can only come
    # from an AVX-512 (EVEX-encoded) instruction: both runs execute the same
    # code and differ only in XCR0. A group that ran to the end instead used
    # no AVX-512 instruction, and its checks would not test that backend.
    load(segments)
    (groups,) = struct.unpack("<Q", read("CHECK_GROUPS", 8))
    if groups == 0:
        raise RuntimeError("the program has no check groups")
    for group in range(1, groups + 1):
        outcome, _, _ = run(entry, segments, syms, XCR0_AVX, group)
        if outcome.get("exception", (None,))[0] != UD:
            print(f"control run of check group {group} without AVX-512 state: {outcome}, expected #UD")
            return 1
    print(f"control runs without AVX-512 state: each of the {groups} check groups stopped with #UD, as expected")

    outcome, seconds, marks = run(entry, segments, syms, XCR0_AVX512, 0)
    (status,) = struct.unpack("<Q", read("STATUS", 8))
    (log_len,) = struct.unpack("<Q", read("LOG_LEN", 8))
    print(read("LOG", log_len).decode("utf-8", "replace"), end="")
    spans = [f"{b - a:.1f}" for a, b in zip(marks[::2], marks[1::2])]
    print(f"emulated run: {seconds:.1f} s (each check: {', '.join(spans)} s)")
    if "exception" in outcome:
        vector, error_code, rip = outcome["exception"]
        print(f"CPU exception {vector} (error code {error_code}) at rip {rip:#x}")
        return 1
    if status != 1:
        print(f"the program reported status {status} (1 = passed, 2 = a check failed, 3 = panic)")
        return 1
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1])
    sys.stdout.flush()
    # Skip interpreter teardown: the bindings' objects crash on destruction.
    os._exit(code)
