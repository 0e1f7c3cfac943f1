"""Generate the bundled demo clusters (rhcos_helpers/demos/data/) and their README.

Usage:
    .venv/bin/python tools/demos/generate.py           # (re)write the demos
    .venv/bin/python tools/demos/generate.py --check   # exit 1 if the committed data differ

Deterministic: fixed timestamps, ids derived from seed strings, YAML with sorted keys.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Tree  # noqa: E402

ROOT = HERE.parent.parent
DEMOS_DIR = ROOT / "rhcos_helpers" / "demos"
DATA = DEMOS_DIR / "data"


def build_all() -> dict[str, Tree]:
    import ocp43
    import ocp416

    trees = {}
    for name, module in (("ocp-4.16", ocp416), ("ocp-4.3", ocp43)):
        tree = Tree()
        module.build(tree)
        trees[name] = tree
    return trees


def readme() -> bytes:
    return (HERE / "README.template.md").read_bytes()


def on_disk(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def check(trees: dict[str, Tree]) -> list[str]:
    diffs = []
    for name, tree in trees.items():
        have = on_disk(DATA / name)
        for path in sorted(set(have) | set(tree.files)):
            if path not in have:
                diffs.append(f"missing: {name}/{path}")
            elif path not in tree.files:
                diffs.append(f"unexpected: {name}/{path}")
            elif have[path] != tree.files[path]:
                diffs.append(f"differs: {name}/{path}")
    readme_path = DEMOS_DIR / "README.md"
    if not readme_path.exists() or readme_path.read_bytes() != readme():
        diffs.append("differs: README.md")
    return diffs


def write(trees: dict[str, Tree]) -> None:
    for name, tree in trees.items():
        root = DATA / name
        if root.exists():
            shutil.rmtree(root)
        for path, content in tree.files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    (DEMOS_DIR / "README.md").write_bytes(readme())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare the committed demo data with what would be generated",
    )
    args = parser.parse_args(argv)
    trees = build_all()
    if args.check:
        diffs = check(trees)
        for d in diffs:
            print(d)
        if diffs:
            print(f"{len(diffs)} file(s) differ; run .venv/bin/python tools/demos/generate.py")
            return 1
        print("demo data up to date")
        return 0
    write(trees)
    for name, tree in trees.items():
        size = sum(len(b) for b in tree.files.values())
        print(f"wrote {name}: {len(tree.files)} files, {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
