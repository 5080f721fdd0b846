"""Issue 38's walk, read: one run's config followed through the source from `run_job`.

    python benchmarks/config_walk.py [--tree <tree>] [--into-analysis]

What a reader does, done by the ast: start in `run_job`; in each function, calls in the order
they run (arguments first), follow every call that passes the config or a part of it (an
argument naming a variable that holds config: `config` in run_job, then whatever parameter of a
callee received such an argument, or a name assigned from one) to a function of harness/ it can
name (a module's own function, one imported from a harness module, `module.f`, `Class.method`,
`self.method`; not a method of an object); each function is read once, on every branch (a
resume, a server). A step is a move from one file to another: into a callee's file, or back up
to the caller's file to read its next call (a climb back up). Counted: the steps, the files, the
climbs back up, and the returns to a file already left (a climb, or a call into a file visited
before). A function of harness/analysis/ is read, but not what it calls (the science, one API:
its own walk), unless --into-analysis. Runs nothing: --tree may be any checkout (the flat
layout's too).
"""
from __future__ import annotations

import argparse
import ast
from pathlib import Path


class Tree:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: dict[str, ast.Module] = {}
        for path in sorted((root / "harness").rglob("*.py")):
            name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            self.modules[name] = ast.parse(path.read_text())

    def file(self, module: str) -> str:
        path = Path(*module.split("."))
        return str(path / "__init__.py") if (self.root / path).is_dir() else str(path) + ".py"

    def names(self, module: str) -> dict[str, tuple[str, str]]:
        """A module's names: local functions and classes, and what it imports from harness."""
        out: dict[str, tuple[str, str]] = {}
        for node in self.modules[module].body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                out[node.name] = (module, node.name)
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("harness"):
                for a in node.names:
                    target = f"{node.module}.{a.name}"
                    out[a.asname or a.name] = (target, "") if target in self.modules else (node.module, a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in self.modules:
                        out[a.asname or a.name] = (a.name, "")
        return out

    def function(self, module: str, qualname: str):
        """The def of module.qualname (`f` or `Class.f`), following re-exports; None if not found."""
        if module not in self.modules:
            return None
        scope = self.modules[module].body
        parts = qualname.split(".")
        for i, part in enumerate(parts):
            found = next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part), None)
            if found is None:
                if i == 0:  # maybe imported into this module
                    alias = self.names(module).get(part)
                    if alias and alias[1] and alias != (module, part):
                        return self.function(alias[0], ".".join([alias[1], *parts[1:]]))
                return None
            if i == len(parts) - 1:
                return (module, qualname, found) if isinstance(found, ast.FunctionDef) else None
            scope = found.body
        return None


def mentions(node, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def resolve(tree: Tree, module: str, cls: str | None, call: ast.Call):
    names = tree.names(module)
    f = call.func
    if isinstance(f, ast.Name) and f.id in names and names[f.id][1]:
        return tree.function(*names[f.id])
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        base = f.value.id
        if base == "self" and cls:
            return tree.function(module, f"{cls}.{f.attr}")
        if base in names:
            target_module, target = names[base]
            return tree.function(target_module, f"{target}.{f.attr}" if target else f.attr)
    return None


def calls_in_order(fn: ast.FunctionDef) -> list[ast.Call]:
    """The calls of a function in the order they run: statement by statement, a call's arguments
    before the call itself."""
    out: list[ast.Call] = []

    def visit(node) -> None:
        for child in ast.iter_child_nodes(node):
            visit(child)
        if isinstance(node, ast.Call):
            out.append(node)

    for statement in fn.body:
        visit(statement)
    return out


def params(fn: ast.FunctionDef) -> list[str]:
    return [a.arg for a in fn.args.posonlyargs + fn.args.args]


def walk(tree: Tree, module: str, qualname: str, into_analysis: bool = False):
    seen: set[tuple[str, str]] = set()
    calls: list[tuple[str, str, str, int]] = []  # (callee file, function, caller file, depth)

    def visit(module: str, qualname: str, fn: ast.FunctionDef, held: set[str], caller: str, depth: int) -> None:
        seen.add((module, qualname))
        calls.append((tree.file(module), qualname, caller, depth))
        if module.startswith("harness.analysis") and not into_analysis:
            return
        cls = qualname.rsplit(".", 1)[0] if "." in qualname else None
        nodes = calls_in_order(fn)
        local = set(held)
        for node in ast.walk(fn):  # names assigned from config parts hold config too (run_dir = config.x / ...)
            if isinstance(node, ast.Assign) and mentions(node.value, held):
                local |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for call in nodes:
            args = [(i, a) for i, a in enumerate(call.args)] + [(k.arg, k.value) for k in call.keywords]
            passing = [(key, a) for key, a in args if mentions(a, local)]
            if not passing:
                continue
            target = resolve(tree, module, cls, call)
            if target is None or (target[0], target[1]) in seen:
                continue
            callee_module, callee_name, callee = target
            names = params(callee)
            offset = 1 if names and names[0] in ("self", "cls") else 0
            got = {names[key + offset] if isinstance(key, int) and key + offset < len(names) else key
                   for key, _ in passing}
            visit(callee_module, callee_name, callee, {g for g in got if isinstance(g, str)},
                  tree.file(module), depth + 1)

    module_, name_, fn = tree.function(module, qualname)
    visit(module_, name_, fn, {params(fn)[0]}, "", 0)
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--into-analysis", action="store_true", help="follow the config inside harness/analysis/ too")
    args = parser.parse_args()
    tree = Tree(args.tree.resolve())
    entry = "harness.run.job" if "harness.run.job" in tree.modules else "harness.job"
    calls = walk(tree, entry, "run_job", args.into_analysis)
    current, visited = calls[0][0], {calls[0][0]}
    steps = climbs = returns = 0
    climbs_to: dict[str, int] = {}
    for file, name, caller, depth in calls:
        mark = ""
        if caller and caller != current:
            steps, climbs, returns, current = steps + 1, climbs + 1, returns + 1, caller
            climbs_to[caller] = climbs_to.get(caller, 0) + 1
            mark += f"  [back up to {caller}]"
        if file != current:
            steps += 1
            if file in visited:
                returns += 1
                mark += "  (again)"
            visited.add(file)
            current = file
        print(f"{'  ' * min(depth, 12)}{file}: {name}{mark}")
    print(f"\n{len(calls)} functions read; {steps} steps through {len(visited)} files, {climbs} climbs back up, "
          f"{returns} returns to a file already left")
    # A function that calls functions of k other files in turn is climbed back to k-1 times or
    # more, whatever those do: the floor a layout with one step per module sets.
    print("climbs back up, by the file climbed to: " +
          ", ".join(f"{f} {n}" for f, n in sorted(climbs_to.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
