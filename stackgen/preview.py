"""Stage 5f: dashboard previews: each panel drawn as a PNG from real query results.

The samples are replayed into Elasticsearch through the rendered pipeline and template, each
panel's aggregation runs there (the query Kibana would run), and the rows are drawn with
matplotlib — so a pull request or a CI run shows what the dashboard will look like, no Kibana.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from stackgen.engines.framing import frame
from stackgen.model.nodes import LogModel, Panel
from stackgen.verify.cases import discover
from stackgen.verify.panels import rows, search_body, timezone

_FORMATS = {"1m": "%d %b %H:%M", "1h": "%d %b %H:00", "1d": "%a %d %b", "1w": "week of %d %b", "1M": "%b %Y",
            "1y": "%Y"}


def _label(panel: Panel, depth: int, key, zone: str) -> str:
    bucket = panel.buckets[depth]
    if bucket.is_time:
        return dt.datetime.fromtimestamp(key / 1000, ZoneInfo(zone)).strftime(_FORMATS[bucket.interval])
    return str(key)


def draw(panel: Panel, data: list[tuple], path: Path, zone: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    axes.set_title(panel.title, fontsize=12)
    metric = panel.metric.op.replace("_", " ") + (f" of {panel.metric.field}" if panel.metric.field else "")
    if not data:
        axes.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=14)
        axes.axis("off")
    elif panel.chart == "metric":
        axes.text(0.5, 0.5, f"{data[0][-1]:g}", ha="center", va="center", fontsize=48)
        axes.text(0.5, 0.2, metric, ha="center", fontsize=11)
        axes.axis("off")
    elif panel.chart == "pie":
        labels = [" / ".join(_label(panel, i, k, zone) for i, k in enumerate(row[:-1])) for row in data]
        axes.pie([row[-1] for row in data], labels=labels, autopct="%1.0f%%", textprops={"fontsize": 8})
    else:
        xs = list(dict.fromkeys(row[0] for row in data))
        series = list(dict.fromkeys(row[1] for row in data)) if len(panel.buckets) > 1 else [None]
        width = 0.8 / len(series)
        for j, name in enumerate(series):
            values = {row[0]: row[-1] for row in data if len(panel.buckets) == 1 or row[1] == name}
            ys = [values.get(x, 0) for x in xs]
            label = None if name is None else _label(panel, 1, name, zone)
            if panel.chart == "line":
                axes.plot(range(len(xs)), ys, marker="o", label=label)
            else:
                axes.bar([i + j * width - 0.4 + width / 2 for i in range(len(xs))], ys, width, label=label)
        axes.set_xticks(range(len(xs)), [_label(panel, 0, x, zone) for x in xs], rotation=30, ha="right", fontsize=8)
        axes.set_ylabel(metric, fontsize=9)
        if panel.metric.op in ("count", "unique_count"):
            from matplotlib.ticker import MaxNLocator

            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        if series != [None]:
            axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)


def preview(model: LogModel, samples: Path, engine, out_dir: Path) -> list[Path]:
    """Replay the samples into the engine's cluster, query every panel, write one PNG per panel."""
    records = [r for case in discover(samples) for r in frame(model, case.log.read_bytes(), str(case.log))]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with engine.loaded(records) as (index, _):
        for dashboard in model.dashboards:
            for panel in dashboard.panels:
                answer = engine.client.request("POST", f"/{index}/_search", search_body(model, panel))
                path = out_dir / f"{dashboard.id}-{panel.id}.png"
                draw(panel, rows(panel, answer), path, timezone(model))
                written.append(path)
    return written
