#!/usr/bin/env python3
"""Generate chaoslab's built-in catalog from the dysts reference data.

Reads (Python 3.11 standard library only):
  shared/reference/dysts/EQUATIONS.md          every right-hand side in plain math
  shared/reference/dysts/chaotic_attractors.json  flow metadata (dysts, Apache-2.0)
  shared/reference/dysts/discrete_maps.json       map metadata
  presets/systems.json                          the current catalog (chaoslab-added
                                                fields of hand-curated entries are kept)
Writes:
  src/systems/equations/generated_*.rs  the equations as Rust, generic over `Scalar`
  src/systems/equations/registry.rs     name -> compiled equations
  presets/systems.json                  the catalog metadata

Usage:  python3 tools/gen_catalog.py [--reference DIR]
(default DIR: ../shared/reference/dysts relative to the repository root).

Each equation is parsed with Python's own `ast` (after `^` -> `**` and `x'` -> `x_next`)
and printed as Rust with a tiny type inference: an expression is either a constant
(`f64`: parameters, literals, pi) or a state-dependent `S: Scalar`. Systems whose
equations use index notation (sums over vector parameters) are written by hand in
`src/systems/equations/special.rs`; this script only writes their metadata.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Systems whose equations are hand-written in special.rs (index notation).
HAND_WRITTEN = {
    "BeerRNN": "beer_rnn",
    "BickleyJet": "bickley_jet",
    "Hopfield": "hopfield",
    "InteriorSquirmer": "interior_squirmer",
    "Lorenz96": "lorenz96",
    "MacArthur": "mac_arthur",
    "MultiChua": "multi_chua",
    "Torus": "torus",
    "BlinkingVortexMap": "blinking_vortex_map",
}
# Output maps written by hand (they need min over vector parameters).
HAND_WRITTEN_OUTPUT = {"BickleyJet": "bickley_jet_output", "Torus": "torus_output"}
# Torus reads the absolute time: chaoslab carries it as a fourth (clock) state starting at
# 0, dropped by the output map.
CLOCK_STATE = {"Torus": "t"}

# Left out, with the reason printed in the report and the catalog note.
LEFT_OUT = {
    "EndCap": "no implementation exists in dysts",
    "Zaslavskii": "class commented out in dysts (not one of the 23 implemented maps)",
    "ZeraouliaSprott": "class commented out in dysts (not one of the 23 implemented maps)",
}

# The six delay equations, hand-written in delay.rs as f(x(t), x(t - tau)); integrated by
# the method-of-steps solver and recorded as dysts' ten-column delay embedding.
DELAY = {
    "IkedaDelay": "ikeda_delay",
    "MackeyGlass": "mackey_glass",
    "PiecewiseCircuit": "piecewise_circuit",
    "ScrollDelay": "scroll_delay",
    "SprottDelay": "sprott_delay",
    "VossDelay": "voss_delay",
}
DELAY_EMBEDDING = 10

# Catalog names that differ from the dysts names (the flow and the map share a name).
RENAME_MAP = {"Duffing": "DuffingMap"}

# Entries kept exactly as curated in presets/systems.json (chaoslab-added fields).
CURATED = {"Lorenz", "Rossler", "VanDerPol", "Duffing", "Henon"}

# Where dysts is known to be physically off or its metadata stale (specs/dysts.md).
QUIRKS = {
    "WindmiReduced": "As in dysts, dv/dt has b2*p/2 where the published model has "
    "b2*sqrt(p) (an upstream typo kept for parity); p^(5/4) is undefined for p < 0.",
    "SwingingAtwood": "As in dysts, gravity is hard-coded as g = 9.82.",
    "DoublePendulum": "The equations were rewritten in dysts in Dec 2024; its Lyapunov "
    "and dimension values describe the old version (unverified).",
    "LorenzCoupled": "The parameter rho is not used by the equations (as in dysts).",
    "ExcitableCell": "The parameters vm and vn are unused and ar appears in two rate "
    "functions (as in dysts).",
    "HenonHeiles": "Hamiltonian, although dysts' flag says otherwise.",
    "BelousovZhabotinsky": "Extremely stiff (dysts dt about 3.7e-6).",
    "Chebyshev": "Defined only for -1 <= x <= 1.",
    "Baker": "The doubling factor is 2 - 1e-10, as in dysts.",
    "KaplanYorke": "The modulus is 0.99999995, as in dysts.",
    "MackeyGlass": "dysts changed the parameters in Sep 2024 (tau 2 -> 16 among others) "
    "without recomputing its Lyapunov and dimension values, which describe the old model. "
    "At tau = 16 chaoslab measures a largest exponent of about 0.001 (nearly periodic); "
    "the classic chaotic case is tau = 17 (about 0.005).",
    "IkedaDelay": "dysts changed the history (first initial value) in Dec 2024; its "
    "Lyapunov and dimension values predate that change.",
    "Torus": "Not chaotic (quasi-periodic). Its right-hand side reads the absolute time, "
    "which chaoslab carries as a fourth state t (dt/dt = 1, starting at 0); trajectories "
    "record x, y, z as dysts does.",
    "BlinkingVortexMap": "dysts means the vortex to blink (its code flips the sign of b "
    "after every iterate), but it evaluates the map with its fixed parameter list, so the "
    "flip never takes effect and every iterate uses +b; chaoslab keeps that for parity. "
    "The new angle solves a Kepler-type equation (unique root, Newton with a bracket).",
    "DuffingMap": "Named Duffing in dysts' map list; renamed here because the Duffing "
    "flow has that name.",
}

# The maps' largest exponents measured by chaoslab (tools/map_lyapunov.py), if present.
_MAP_LYAP = ROOT / "presets/measured/map_lyapunov.json"
MAP_LYAPUNOV = json.loads(_MAP_LYAP.read_text())["max_lyapunov"] if _MAP_LYAP.exists() else {}

RUST_KEYWORDS = {
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "async", "await", "dyn", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "abstract",
    "become",
}
RESERVED = {"state", "params", "out", "S", "PI"}

# Functions: name in EQUATIONS.md -> Scalar method (unary unless noted).
UNARY = {
    "sin": "sin", "cos": "cos", "exp": "exp", "tanh": "tanh", "cosh": "cosh",
    "sinh": "sinh", "sqrt": "sqrt", "abs": "abs", "sign": "sign", "H": "heaviside",
    "arccos": "acos", "floor": "floor", "log": "ln",
}


def rust_ident(name: str) -> str:
    """A Rust identifier for an equation symbol."""
    if name in RUST_KEYWORDS or name in RESERVED:
        return name + "_"
    return name


def snake(name: str) -> str:
    """CamelCase catalog name -> snake_case function name."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", s)
    return s.lower()


def lit(v: float) -> str:
    """A Rust f64 literal."""
    r = repr(float(v))
    if "e" in r or "." in r or "inf" in r or "nan" in r:
        return r
    return r + ".0"


class Emitter:
    """Prints a Python AST as Rust, tracking whether each value is f64 or S."""

    def __init__(self, states, params, helpers, closures, arg=None):
        self.states = states  # name -> Rust expr of type S
        self.params = params  # names of f64 parameters
        self.helpers = helpers  # name -> is_scalar
        self.closures = closures  # names of helper functions (S -> S)
        self.arg = arg  # closure argument name (type S)

    def scalar(self, node) -> str:
        """Emit as S."""
        code, is_s = self.emit(node)
        return code if is_s else f"S::c({bare(code)})"

    def emit(self, node):
        if isinstance(node, ast.Constant):
            return lit(node.value), False
        if isinstance(node, ast.Name):
            n = node.id
            if n == self.arg:
                return rust_ident(n), True
            if n in self.states:
                return rust_ident(n), True
            if n in self.helpers:
                return rust_ident(n), self.helpers[n]
            if n in self.params:
                return rust_ident(n), False
            if n == "pi":
                return "PI", False
            raise ValueError(f"unknown symbol {n}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            c, s = self.emit(node.operand)
            # Parenthesised: a method call binds tighter than unary minus in Rust, so
            # `-x.exp()` would be `-(x.exp())`.
            return f"(-{c})", s
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return self.power(node)
            a, sa = self.emit(node.left)
            b, sb = self.emit(node.right)
            op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(node.op)]
            if sa or not sb:
                return f"({a} {op} {b})", sa or sb
            # constant op scalar: + and * commute exactly in floating point.
            if op in "+*":
                return f"({b} {op} {a})", True
            return f"(S::c({a}) {op} {b})", True
        if isinstance(node, ast.Call):
            return self.call(node)
        raise ValueError(f"unsupported syntax {ast.dump(node)}")

    def power(self, node):
        base, sb = self.emit(node.left)
        if isinstance(node.left, ast.Constant):
            base += "_f64"
        e = node.right
        neg = isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub)
        inner = e.operand if neg else e
        if isinstance(inner, ast.Constant) and float(inner.value).is_integer():
            n = int(inner.value) * (-1 if neg else 1)
            return f"{base}.powi({n})", sb
        ex, se = self.emit(e)
        if se:
            raise ValueError("state-dependent exponent")
        if sb:
            return f"{base}.powf({bare(ex)})", True
        return f"{base}.powf({bare(ex)})", False

    def call(self, node):
        f = node.func.id
        args = node.args
        if f in self.closures:
            return f"{rust_ident(f)}({bare(self.scalar(args[0]))})", True
        if f in UNARY:
            c, s = self.emit(args[0])
            m = UNARY[f]
            if s:
                return f"{c}.{m}()", True
            return f"Scalar::{m}({bare(c)})", False
        if f == "sech":
            c, s = self.emit(args[0])
            if s:
                return f"(S::c(1.0) / {c}.cosh())", True
            return f"(1.0 / {c}.cosh())", False
        if f in ("min", "max", "atan2"):
            (a, sa), (b, sb) = self.emit(args[0]), self.emit(args[1])
            if not (sa or sb):
                return f"Scalar::{f}({bare(a)}, {bare(b)})", False
            a = a if sa else f"S::c({bare(a)})"
            b = bare(b) if sb else f"S::c({bare(b)})"
            return f"{a}.{f}({b})", True
        if f == "mod":
            a, sa = self.emit(args[0])
            m, sm = self.emit(args[1])
            if sm:
                raise ValueError("state-dependent modulus")
            return f"{a}.rem_euclid({bare(m)})", sa
        raise ValueError(f"unknown function {f}")


def py_expr(text: str) -> ast.expr:
    """Parse one EQUATIONS.md expression."""
    t = re.sub(r"(\w)'", r"\1_next", text).replace("^", "**")
    return ast.parse(t.strip(), mode="eval").body


def bare(code: str) -> str:
    """`code` without one pair of enclosing parentheses, if they enclose all of it."""
    if not (code.startswith("(") and code.endswith(")")):
        return code
    depth = 0
    for i, ch in enumerate(code):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(code) - 1:
            return code
    return code[1:-1]


def names_in(node) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        if isinstance(n, ast.Call):
            out.add(n.func.id)
    return out


# ---------------------------------------------------------------------------------------
# Reading EQUATIONS.md


def expand_states(text: str) -> list[str]:
    text = re.sub(r"\(.*?\)", "", text).strip()
    out: list[str] = []
    parts = [p.strip() for p in text.split(",") if p.strip()]
    i = 0
    while i < len(parts):
        if parts[i] == "...":
            m1 = re.match(r"([A-Za-z]+)(\d+)$", out[-1])
            m2 = re.match(r"([A-Za-z]+)(\d+)$", parts[i + 1])
            for k in range(int(m1.group(2)) + 1, int(m2.group(2))):
                out.append(f"{m1.group(1)}{k}")
            i += 1
            continue
        out.append(parts[i])
        i += 1
    return out


def read_equations(path: Path) -> dict[str, dict]:
    text = path.read_text()
    maps_at = text.index("## Discrete maps")
    systems: dict[str, dict] = {}
    for m in re.finditer(r"^### (.+?)\n(.*?)(?=^### |^---|\Z)", text, re.S | re.M):
        header, body = m.group(1).strip(), m.group(2)
        is_map = m.start() > maps_at
        name = header.replace(" (map)", "")
        hm = re.search(r"^state: (.*)$", body, re.M)
        if hm is None:
            continue  # a prose section (Conventions, Flags, Index)
        head = hm.group(1)
        fields = [f.strip() for f in head.split(" · ")]
        states = expand_states(fields[0])
        params = []
        for f in fields[1:]:
            if f.startswith("params:"):
                ptxt = re.sub(r"\(.*?\)", "", f[len("params:"):])
                params = [p.strip() for p in ptxt.split(",") if p.strip()]
        code = re.search(r"```text\n(.*?)```", body, re.S)
        lines = code.group(1).strip().splitlines() if code else []
        out = re.search(r"^output: \((.*)\)\s*$", body, re.M)
        systems[RENAME_MAP.get(name, name) if is_map else name] = {
            "dysts_name": name,
            "kind": "map" if is_map else "flow",
            "states": states,
            "params": params,
            "lines": lines,
            "output": out.group(1) if out else None,
            "flags": head,
        }
    for name, s in systems.items():
        if s["lines"] and s["lines"][0].startswith("identical to "):
            other = s["lines"][0].split()[2]
            s["lines"] = systems[other]["lines"]
    return systems


# ---------------------------------------------------------------------------------------
# Writing Rust


def rust_function(name: str, sysd: dict) -> tuple[str, str | None]:
    """Rust source of the right-hand side (and of the output map, if any)."""
    states, params = sysd["states"], sysd["params"]
    kind = sysd["kind"]
    helpers: list[tuple[str, str | None, ast.expr]] = []
    eqs: dict[str, ast.expr] = {}
    order: list[str] = []
    for line in sysd["lines"]:
        line = line.strip()
        if not line:
            continue
        if line.startswith("where "):
            lhs, rhs = line[len("where "):].split("=", 1)
            lhs = lhs.strip()
            fm = re.match(r"(\w+)\((\w+)\)$", lhs)
            if fm:
                helpers.append((fm.group(1), fm.group(2), py_expr(rhs)))
            else:
                helpers.append((lhs, None, py_expr(rhs)))
            continue
        if kind == "flow":
            fm = re.match(r"d(\w+)/dt\s*=\s*(.*)$", line)
            var = fm.group(1)
        else:
            fm = re.match(r"(\w+)'\s*=\s*(.*)$", line)
            var = fm.group(1)
        if fm is None or var not in states:
            raise ValueError(f"{name}: cannot read '{line}'")
        eqs[var] = py_expr(fm.group(2))
        order.append(var)
    if sorted(order) != sorted(states):
        raise ValueError(f"{name}: equations for {order}, states {states}")

    # Topological order of the helpers.
    hnames = {h[0] for h in helpers}
    done: list = []
    pending = list(helpers)
    while pending:
        for h in pending:
            deps = names_in(h[2]) & hnames - {h[0]}
            if deps <= {d[0] for d in done}:
                done.append(h)
                pending.remove(h)
                break
        else:
            raise ValueError(f"{name}: circular helpers")
    helpers = done

    used = set()
    for e in eqs.values():
        used |= names_in(e)
    for h in helpers:
        used |= names_in(h[2])
    if kind == "map":
        used |= {v + "_next" for v in states}
    state_map = {v: v for v in states}
    if kind == "map":
        state_map.update({v + "_next": v + "_next" for v in states})

    closures = {h[0] for h in helpers if h[1]}
    helper_types: dict[str, bool] = {}
    body: list[str] = []
    st = [(i, v) for i, v in enumerate(states) if v in used]
    if st:
        lhs = ", ".join(rust_ident(v) for _, v in st)
        rhs = ", ".join(f"state[{i}]" for i, _ in st)
        body.append(f"let ({lhs},) = ({rhs},);" if len(st) == 1 else f"let ({lhs}) = ({rhs});")
    pu = [(i, p) for i, p in enumerate(params) if p in used]
    if pu:
        lhs = ", ".join(rust_ident(p) for _, p in pu)
        rhs = ", ".join(f"params[{i}]" for i, _ in pu)
        body.append(f"let ({lhs},) = ({rhs},);" if len(pu) == 1 else f"let ({lhs}) = ({rhs});")
    for hname, harg, hexpr in helpers:
        em = Emitter(state_map, set(params), helper_types, closures, harg)
        if harg:
            code = em.scalar(hexpr)
            body.append(f"let {rust_ident(hname)} = |{rust_ident(harg)}: S| -> S {{ {bare(code)} }};")
        else:
            code, is_s = em.emit(hexpr)
            helper_types[hname] = is_s
            body.append(f"let {rust_ident(hname)} = {bare(code)};")
    em = Emitter(state_map, set(params), helper_types, closures)
    if kind == "flow":
        for i, v in enumerate(states):
            body.append(f"out[{i}] = {bare(em.scalar(eqs[v]))};")
    else:
        for v in order:
            body.append(f"let {rust_ident(v)}_next = {bare(em.scalar(eqs[v]))};")
            em.helpers[v + "_next"] = True
        for i, v in enumerate(states):
            body.append(f"out[{i}] = {rust_ident(v)}_next;")
    fname = snake(name)
    what = "vector field" if kind == "flow" else "next iterate"
    doc = (
        f"/// {name} ({'flow' if kind == 'flow' else 'map'}): the {what}. State "
        f"`{', '.join(states)}`; params `{', '.join(params) or 'none'}` (sorted, as dysts)."
    )
    pname = "params" if pu else "_params"
    src = [doc, f"pub fn {fname}<S: Scalar>(state: &[S], {pname}: &[f64], out: &mut [S]) {{"]
    src += ["    " + b for b in body]
    src.append("}")
    rhs_src = "\n".join(src)

    out_src = None
    if sysd["output"] and name not in HAND_WRITTEN_OUTPUT:
        tup = ast.parse("(" + sysd["output"] + ",)", mode="eval").body
        used_o = set()
        for e in tup.elts:
            used_o |= names_in(e)
        ob = []
        st = [(i, v) for i, v in enumerate(states) if v in used_o]
        lhs = ", ".join(rust_ident(v) for _, v in st)
        rhs = ", ".join(f"state[{i}]" for i, _ in st)
        ob.append(f"let ({lhs},) = ({rhs},);" if len(st) == 1 else f"let ({lhs}) = ({rhs});")
        pu = [(i, p) for i, p in enumerate(params) if p in used_o]
        if pu:
            lhs = ", ".join(rust_ident(p) for _, p in pu)
            rhs = ", ".join(f"params[{i}]" for i, _ in pu)
            ob.append(
                f"let ({lhs},) = ({rhs},);" if len(pu) == 1 else f"let ({lhs}) = ({rhs});"
            )
        emo = Emitter({v: v for v in states}, set(params), {}, set())
        for i, e in enumerate(tup.elts):
            ob.append(f"out[{i}] = {bare(emo.scalar(e))};")
        out_src = "\n".join(
            [
                f"/// {name}: dysts' output map `({sysd['output']})`, which wraps the "
                "unbounded coordinates.",
                f"pub fn {fname}_output<S: Scalar>(state: &[S], {'params' if pu else '_params'}: "
                "&[f64], out: &mut [S]) {",
            ]
            + ["    " + b for b in ob]
            + ["}"]
        )
    return rhs_src, out_src


HEADER = """//! Generated by `tools/gen_catalog.py` from `EQUATIONS.md` of the dysts reference
//! (Gilpin 2021, `dysts/flows.py` and `dysts/maps.py`, Apache-2.0): {what}. Do not edit;
//! change the generator and re-run it.
//!
//! Each function is written once, generic over [`Scalar`], so that it gives `f(x)` on
//! `f64` and exact Jacobian–vector products on dual numbers. Parameters arrive
//! positionally in sorted-name order, as in dysts.

#![allow(
    non_snake_case,
    reason = "symbol names follow the dysts equations (K2, Vm1, ...)"
)]
#![allow(
    unused_parens,
    reason = "every generated operation is parenthesised, so precedence is explicit"
)]
#![allow(
    clippy::all,
    reason = "generated arithmetic keeps the source's operation order for parity"
)]

#[allow(unused_imports, reason = "not every generated file uses pi")]
use std::f64::consts::PI;

use crate::systems::scalar::Scalar;
"""


def write_rust(systems: dict, out_dir: Path) -> dict[str, tuple[str, str | None]]:
    """Writes the generated_*.rs files and registry.rs; returns name -> (fn, output fn)."""
    funcs: dict[str, tuple[str, str | None]] = {}
    chunks: list[tuple[str, str]] = []  # (name, source)
    seen: dict[str, str] = {}  # equation text -> function name (for shared vector fields)
    for name in sorted(systems, key=str.lower):
        s = systems[name]
        if name in LEFT_OUT or name in HAND_WRITTEN or name in DELAY or name == "VanDerPol":
            continue
        key = s["kind"] + "|" + "|".join(s["lines"]) + "|" + str(s["output"]) + "|" + ",".join(s["states"])
        if key in seen:
            funcs[name] = funcs[seen[key]]
            continue
        seen[key] = name
        rhs_src, out_src = rust_function(name, s)
        fname = snake(name)
        funcs[name] = (fname, fname + "_output" if out_src else None)
        chunks.append((name, rhs_src + ("\n\n" + out_src if out_src else "")))
    # Split into files of at most ~480 unformatted lines (under 700 after rustfmt), by first letter ranges.
    files: list[list[tuple[str, str]]] = [[]]
    count = 0
    for name, src in chunks:
        n = src.count("\n") + 2
        if count + n > 480 and files[-1]:
            files.append([])
            count = 0
        files[-1].append((name, src))
        count += n
    for old in out_dir.glob("generated_*.rs"):
        old.unlink()
    modules = []
    for chunk in files:
        first, last = chunk[0][0], chunk[-1][0]
        mod = f"generated_{snake(first)}_to_{snake(last)}"
        modules.append((mod, [n for n, _ in chunk]))
        what = f"the systems {first} to {last} (alphabetical)"
        text = HEADER.format(what=what) + "\n" + "\n\n".join(src for _, src in chunk) + "\n"
        (out_dir / f"{mod}.rs").write_text(text)
    # Which module each function lives in.
    where: dict[str, str] = {}
    for mod, names in modules:
        for n in names:
            where[funcs[n][0]] = mod
    lines = [
        "//! Generated by `tools/gen_catalog.py`: the table from catalog names to compiled",
        "//! equations. Do not edit; change the generator and re-run it.",
        "",
        "use super::delay;",
        "use super::special;",
    ]
    for mod, _ in modules:
        lines.append(f"use super::{mod};")
    lines += [
        "use super::{Equations, equations};",
        "",
        "/// The compiled equations for a catalog name (`None` if there are none).",
        "pub fn lookup(name: &str) -> Option<Equations> {",
        "    Some(match name {",
    ]
    for name in sorted(funcs, key=str.lower):
        f, o = funcs[name]
        mod = where[f]
        if o:
            lines.append(f'        "{name}" => equations!({mod}::{f}, {mod}::{o}),')
        else:
            lines.append(f'        "{name}" => equations!({mod}::{f}),')
    lines.append('        "VanDerPol" => equations!(special::van_der_pol),')
    for name, f in sorted(DELAY.items()):
        lines.append(f'        "{name}" => equations!(delay::{f}),')
    for name, f in sorted(HAND_WRITTEN.items()):
        if name in HAND_WRITTEN_OUTPUT:
            lines.append(
                f'        "{name}" => equations!(special::{f}, special::{HAND_WRITTEN_OUTPUT[name]}),'
            )
        elif systems[name]["output"]:
            lines.append(f'        "{name}" => equations!(special::{f}, special::{f}_output),')
        else:
            lines.append(f'        "{name}" => equations!(special::{f}),')
    lines += ["        _ => return None,", "    })", "}", ""]
    (out_dir / "registry.rs").write_text("\n".join(lines))
    mod_rs = out_dir / "mod.rs"
    text = mod_rs.read_text()
    begin = "// BEGIN GENERATED MODULES (tools/gen_catalog.py rewrites this block)\n"
    end = "// END GENERATED MODULES"
    i, j = text.index(begin) + len(begin), text.index(end)
    block = "".join(f"pub mod {mod};\n" for mod, _ in modules)
    mod_rs.write_text(text[:i] + block + text[j:])
    return funcs


# ---------------------------------------------------------------------------------------
# Writing the catalog metadata


def slider(v: float) -> tuple[float, float]:
    """The slider rule: [0.5 p, 1.5 p] sorted; [-1, 1] for p = 0."""
    if v == 0:
        return -1.0, 1.0
    a, b = 0.5 * v, 1.5 * v
    return (min(a, b), max(a, b))


def flat(v) -> tuple[list[float], list[int]]:
    """Row-major values and shape of a nested list."""
    if isinstance(v, list) and v and isinstance(v[0], list):
        return [float(x) for row in v for x in row], [len(v), len(v[0])]
    return [float(x) for x in v], [len(v)]


def entry(name: str, sysd: dict, meta: dict, curated: dict | None) -> dict:
    is_map = sysd["kind"] == "map"
    params = meta.get("parameters", {})
    scalar_params, vector_params = [], []
    for k in sorted(params):
        v = params[k]
        if isinstance(v, list):
            vals, shape = flat(v)
            vector_params.append({"name": k, "shape": shape, "values": vals})
        else:
            lo, hi = slider(float(v))
            scalar_params.append({"name": k, "default": float(v), "min": lo, "max": hi})
    if sorted(params) != sorted(sysd["params"]):
        raise ValueError(f"{name}: params {sorted(params)} vs equations {sysd['params']}")
    desc = (meta.get("description") or "").strip()
    if name in QUIRKS:
        desc = (desc + " " + QUIRKS[name]).strip()
    if is_map:
        desc = desc or f"The {sysd['dysts_name']} map."
        e = {
            "name": name,
            "kind": "map",
            "state_names": sysd["states"],
            "params": scalar_params,
            "initial_conditions": [float(x) for x in meta["initial_conditions"]],
            "period": 1.0,
            "dt": 1.0,
            "max_lyapunov": MAP_LYAPUNOV.get(name, 0.0),
            "max_lyapunov_source": (
                "chaoslab's own measurement (QR method, 1e5 iterations; dysts publishes "
                "none for its maps; tools/map_lyapunov.py)"
                if name in MAP_LYAPUNOV
                else "none: dysts publishes no Lyapunov estimate for its maps (0 is a "
                "placeholder, not a measurement)"
            ),
            "citation": (meta.get("citation") or "").strip(" .") or "dysts (Gilpin 2021)",
            "description": desc,
        }
    else:
        spec = meta.get("lyapunov_spectrum_estimated")
        states = list(sysd["states"])
        ic = [float(x) for x in meta["initial_conditions"]]
        kind = "flow"
        if name in DELAY:
            kind = "delay"
            states = [f"x{k}" for k in range(DELAY_EMBEDDING)]
        if name in CLOCK_STATE:
            states.append(CLOCK_STATE[name])
            ic.append(0.0)
        e = {
            "name": name,
            "kind": kind,
            "state_names": states,
            "params": scalar_params,
            "initial_conditions": ic,
            "period": float(meta["period"]),
            "dt": float(meta["dt"]),
            "max_lyapunov": float(meta["maximum_lyapunov_estimated"]),
            "max_lyapunov_source": "dysts maximum_lyapunov_estimated (two-trajectory "
            "divergence estimate, noisy; see specs/dysts.md)",
            "citation": meta.get("citation", ""),
            "description": desc,
        }
        if spec is not None:
            e["lyapunov_spectrum"] = [float(x) for x in spec]
            e["lyapunov_spectrum_source"] = "dysts lyapunov_spectrum_estimated (QR, 2021)"
        for key, out in (
            ("kaplan_yorke_dimension", "kaplan_yorke_dimension"),
            ("correlation_dimension", "correlation_dimension"),
        ):
            if meta.get(key) is not None:
                e[out] = float(meta[key])
        if meta.get("nonautonomous"):
            e["nonautonomous"] = True
        if meta.get("hamiltonian"):
            e["hamiltonian"] = True
    if vector_params:
        e["vector_params"] = vector_params
    if sysd["output"] or name in HAND_WRITTEN_OUTPUT:
        e["output_names"] = output_names(name, sysd)
    if curated is not None:
        # Keep every chaoslab-added field; add the new optional ones.
        merged = dict(curated)
        for k, v in e.items():
            if k not in merged:
                merged[k] = v
        e = merged
    return e


def output_names(name: str, sysd: dict) -> list[str]:
    if name == "BickleyJet":
        return ["y", "sin(kmin*x)", "sin(omega*kmin*sigmamin*z)"]
    if name in CLOCK_STATE:
        return list(sysd["states"])
    tup = ast.parse("(" + sysd["output"] + ",)", mode="eval").body
    return [ast.unparse(e).replace("**", "^").replace(" ", "") for e in tup.elts]


def dump_catalog(cat: dict) -> str:
    """The catalog as JSON, one field per line and one parameter per line (diffable)."""
    j = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    lines = ["{"]
    for k in ("format", "version", "note"):
        lines.append(f"  {j(k)}: {j(cat[k])},")
    lines.append('  "systems": [')
    for si, s in enumerate(cat["systems"]):
        lines.append("    {")
        keys = list(s)
        for ki, k in enumerate(keys):
            comma = "," if ki < len(keys) - 1 else ""
            v = s[k]
            if k in ("params", "vector_params") and v:
                lines.append(f"      {j(k)}: [")
                for pi, item in enumerate(v):
                    c = "," if pi < len(v) - 1 else ""
                    lines.append(f"        {j(item)}{c}")
                lines.append(f"      ]{comma}")
            else:
                lines.append(f"      {j(k)}: {j(v)}{comma}")
        lines.append("    }" + ("," if si < len(cat["systems"]) - 1 else ""))
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", default=str(ROOT.parent / "shared/reference/dysts"))
    args = ap.parse_args()
    ref = Path(args.reference)
    systems = read_equations(ref / "EQUATIONS.md")
    flows = json.loads((ref / "chaotic_attractors.json").read_text())
    maps = json.loads((ref / "discrete_maps.json").read_text())
    catalog_path = ROOT / "presets/systems.json"
    old = json.loads(catalog_path.read_text())
    curated = {s["name"]: s for s in old["systems"] if s["name"] in CURATED}

    funcs = write_rust(systems, ROOT / "src/systems/equations")
    generated = sorted((ROOT / "src/systems/equations").glob("generated_*.rs"))
    generated += [ROOT / "src/systems/equations/registry.rs", ROOT / "src/systems/equations/mod.rs"]
    try:
        subprocess.run(["rustfmt", "--edition", "2024", *map(str, generated)], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"note: rustfmt not run ({e}); the Rust files are valid but unformatted")

    entries = [curated["VanDerPol"]]
    for name in sorted(systems, key=str.lower):
        if name in LEFT_OUT:
            continue
        s = systems[name]
        meta = (maps if s["kind"] == "map" else flows)[s["dysts_name"]]
        entries.append(entry(name, s, meta, curated.get(name)))
    # Flows first, then maps; the five curated entries keep their places at the top.
    order = ["Lorenz", "Rossler", "VanDerPol", "Duffing", "Henon"]
    head = [next(e for e in entries if e["name"] == n) for n in order]
    rest = [e for e in entries if e["name"] not in order]
    rest.sort(key=lambda e: (e["kind"] == "map", e["name"].lower()))
    n_flows = sum(1 for e in entries if e["kind"] != "map" and e["name"] != "VanDerPol")
    n_maps = sum(1 for e in entries if e["kind"] == "map")
    note = (
        "Generated by tools/gen_catalog.py. Parameters, initial conditions, periods, time "
        "steps, Lyapunov estimates, dimensions, citations and descriptions are taken from "
        "the dysts catalog (William Gilpin, Apache-2.0, commit 4b4d9de9; see "
        "presets/DYSTS_LICENSE.txt). Changes made by chaoslab: slider ranges were added "
        "([0.5 p, 1.5 p] sorted, or [-1, 1] for p = 0, except the hand-curated Lorenz, "
        "Rossler, Duffing and Henon entries, whose reference Lyapunov exponents are from "
        "Sprott 2003); vector parameters are flattened row-major; the Duffing map is "
        "renamed DuffingMap; known dysts quirks are noted in descriptions; VanDerPol "
        "(unforced) is not in dysts and was written by chaoslab. "
        "Delay systems (kind delay) list the ten delay-embedding columns x0..x9, "
        "xk = x(t - k tau/9), as their states; their initial condition is dysts' (the "
        "history is constant at its first entry by default). "
        f"{n_flows} dysts flows (delay systems included) and {n_maps} dysts maps. Left out: "
        + "; ".join(f"{k} ({v})" for k, v in LEFT_OUT.items())
        + "."
    )
    out = {"format": "chaoslab-catalog", "version": 1, "note": note, "systems": head + rest}
    catalog_path.write_text(dump_catalog(out))
    print(f"wrote {len(head) + len(rest)} systems ({n_flows} dysts flows, {n_maps} maps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
