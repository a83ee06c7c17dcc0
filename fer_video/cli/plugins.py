"""plugins: every installed stage and the distribution that provides it, as a table or as JSON."""

from __future__ import annotations

import argparse
import json

from fer_video.plugins.factories import STAGE_KINDS
from fer_video.plugins.manager import PluginManager

FIELDS = ("kind", "name", "plugin", "distribution", "summary")


def list_plugins(args: argparse.Namespace, plugins: PluginManager) -> int:
    """One row per stage on offer, in registration order within each kind; ``--json`` for scripts."""
    rows = [dict(zip(FIELDS, (p.kind, p.factory.name, p.plugin, p.distribution, p.factory.summary)))
            for kind in STAGE_KINDS for p in plugins.provided(kind)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    widths = {field: max(len(str(row[field])) for row in [dict(zip(FIELDS, FIELDS)), *rows]) for field in FIELDS[:4]}
    for row in [dict(zip(FIELDS, FIELDS)), *rows]:
        print("  ".join(str(row[field]).ljust(widths[field]) for field in FIELDS[:4]) + "  " + row["summary"])
    return 0
