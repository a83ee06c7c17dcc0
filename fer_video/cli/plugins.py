"""plugins: every installed stage and the distribution that provides it."""

from __future__ import annotations


def list_plugins(args, plugins) -> int:
    from fer_video.plugins.factories import STAGE_KINDS

    rows = [(p.kind, p.factory.name, p.plugin, p.distribution, p.factory.summary)
            for kind in STAGE_KINDS for p in plugins.provided(kind)]
    widths = [max(len(str(r[i])) for r in rows + [("kind", "name", "plugin", "distribution", "")])
              for i in range(4)]
    header = ("kind", "name", "plugin", "distribution", "summary")
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row[:4], widths)) + "  " + row[4])
    return 0
