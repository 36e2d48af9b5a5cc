// Runs a WASI (preview 1) program under Node's WASI, with the file system
// visible at / and the environment passed on:
//   node .ci/wasi.cjs PROGRAM.wasm [ARGS...]
// Exits with the program's status.
//
// The programs are linked against Debian's wasi-libc (2022), which lacks
// the pthread functions Rust's std names for threads (newer wasi-libc has
// stubs); they are linked as imports (`--allow-undefined`), and each one
// here throws if a program calls it: no test of this suite starts a thread.
"use strict";
const { WASI } = require("node:wasi");
const fs = require("node:fs");

const [program, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: "preview1", args: [program, ...args], env: process.env, preopens: { "/": "/" }, returnOnExit: true });
const missing = new Proxy({}, { get: (_, name) => () => { throw new Error(`${program}: ${String(name)} is not available on wasm32-wasip1`); } });
const wasm = new WebAssembly.Module(fs.readFileSync(program));
const instance = new WebAssembly.Instance(wasm, { ...wasi.getImportObject(), env: missing });
process.exitCode = wasi.start(instance);
