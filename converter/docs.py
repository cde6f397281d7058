"""Generated documentation: the README's support matrix comes from the mapping tables, never by hand.

`python -m converter.docs` rewrites the README blocks between their markers; a test fails when they disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .mapping import STATUSES, Table, load_table

VENDOR_TABLES = (("ingress-nginx", "ingress-nginx.yaml", "nginx.ingress.kubernetes.io/"),
                 ("F5 NGINX Ingress Controller", "nginx-inc.yaml", None),
                 ("Traefik", "traefik.yaml", None),
                 ("Kong", "kong.yaml", None),
                 ("HAProxy Technologies", "haproxy.yaml", None),
                 ("HAProxy Ingress", "haproxy-ingress.yaml", None))


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _entries(table: Table) -> list[tuple[str, object]]:
    seen, out = set(), []
    for key, entry in table.entries.items():
        if id(entry) in seen or key != entry.key:
            continue
        seen.add(id(entry))
        out.append((key, entry))
    return out


def support_matrix() -> str:
    """A summary table (annotations per status and vendor) and, per vendor, every annotation with its status."""
    tables = [(title, load_table(f), prefix) for title, f, prefix in VENDOR_TABLES]
    lines = ["| controller | annotations | " + " | ".join(STATUSES) + " |",
             "| --- | ---: | " + " | ".join("---:" for _ in STATUSES) + " |"]
    for title, table, _ in tables:
        entries = _entries(table)
        counts = [sum(1 for _, e in entries if e.status == s) for s in STATUSES]
        lines.append(f"| {title} | {len(entries)} | " + " | ".join(str(c) for c in counts) + " |")
    for title, table, prefix in tables:
        lines += ["", f"<details><summary>{title}: every annotation</summary>", "",
                  "| annotation | status | security | what changes |", "| --- | --- | --- | --- |"]
        pre = prefix or table.prefixes[0]
        for key, entry in _entries(table):
            name = key if any(key.startswith(p) for p in table.prefixes) else pre + key
            flags = "yes" if entry.security else ""
            removed = " (removed)" if entry.removed else ""
            lines.append(f"| `{_cell(name)}`{removed} | {entry.status} | {flags} | {_cell(entry.message)} |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def codes() -> str:
    from .cli import codes_table

    return codes_table("md")


BLOCKS = {"matrix": support_matrix, "codes": codes}


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"README has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main(readme: str = "README.md") -> int:
    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    for name, fn in BLOCKS.items():
        text = replace_block(text, name, fn())
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
