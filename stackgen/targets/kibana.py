"""Stage 3: Kibana saved objects (NDJSON for `POST /api/saved_objects/_import`).

A data view with the time field, one saved search per declared search, one Lens visualization
per panel, and a dashboard referencing them. Objects carry migration versions no newer than
Kibana 8.9 (core 8.8.0; index-pattern and search 8.0.0, lens and dashboard 8.9.0), so every
Kibana from 8.9 to 9.x imports them and migrates them forward. Panels fill a 48-column grid
left to right, two charts a row, searches full width; none overlaps. Ids are UUIDv5 of the schema, dashboard and panel ids:
the same schema always renders the same objects, and every reference resolves inside the bundle.
"""
from __future__ import annotations

import json
import uuid

from stackgen.model.nodes import Bucket, Dashboard, LogModel, Panel, SavedSearch
from stackgen.targets.base import Artifact, kql

NAME = "kibana"
PATH = "kibana/saved-objects.ndjson"
CORE_VERSION = "8.8.0"
# The newest migration each object's shape needs, none newer than MIN_KIBANA: a Kibana refuses an
# object that claims a migration it does not know (search 10.5.0 needs Kibana 8.17+), and migrates
# older ones forward on import. Lens's form-based layers need 8.9.
MIN_KIBANA = "8.9.0"
TYPE_VERSIONS = {"index-pattern": "8.0.0", "search": "8.0.0", "lens": "8.9.0", "dashboard": "8.9.0"}
GRID_COLUMNS, HALF, PANEL_HEIGHT = 48, 24, 15
_NAMESPACE = uuid.UUID("6f1d3c52-6a43-4a57-9d0e-5c1b2f1f7a10")
_VIS_TYPES = {"pie": "lnsPie", "bar": "lnsXY", "line": "lnsXY", "metric": "lnsMetric", "table": "lnsDatatable"}
_OP_LABELS = {"count": "Count of records", "sum": "Sum of {}", "avg": "Average of {}", "min": "Minimum of {}",
              "max": "Maximum of {}", "unique_count": "Unique count of {}"}


def object_id(*parts: str) -> str:
    """A stable id for a saved object (or a Lens layer/column) from its place in the schema."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def data_view_id(model: LogModel) -> str:
    return object_id(model.name, "data-view")


def _saved(kind: str, ident: str, attributes: dict, references: list[dict]) -> dict:
    return {"attributes": attributes, "coreMigrationVersion": CORE_VERSION, "id": ident, "managed": False,
            "references": references, "type": kind, "typeMigrationVersion": TYPE_VERSIONS[kind]}


def _data_view(model: LogModel) -> dict:
    return _saved("index-pattern", data_view_id(model), {
        "allowHidden": False, "fieldAttrs": "{}", "fieldFormatMap": "{}", "fields": "[]",
        "name": model.title, "runtimeFieldMap": "{}", "sourceFilters": "[]",
        "timeFieldName": "@timestamp", "title": model.index_pattern,
    }, [])


def _search(model: LogModel, dashboard: Dashboard, search: SavedSearch) -> dict:
    source = {"query": {"query": kql(search.filter), "language": "kuery"}, "filter": [],
              "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    return _saved("search", object_id(model.name, dashboard.id, "search", search.id), {
        "columns": list(search.columns), "description": "", "grid": {}, "hideChart": False,
        "isTextBasedQuery": False, "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(source)},
        "sort": [["@timestamp", "desc"]], "timeRestore": False, "title": search.title,
    }, [{"id": data_view_id(model), "name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern"}])


def _bucket_column(bucket: Bucket, order_by: str) -> dict:
    if bucket.is_time:
        return {"dataType": "date", "isBucketed": True, "label": bucket.field, "operationType": "date_histogram",
                "params": {"dropPartials": False, "includeEmptyRows": True, "interval": bucket.interval},
                "scale": "interval", "sourceField": bucket.field}
    return {"dataType": "string", "isBucketed": True, "label": f"Top {bucket.size} values of {bucket.field}",
            "operationType": "terms",
            "params": {"missingBucket": False, "orderBy": {"columnId": order_by, "type": "column"},
                       "orderDirection": "desc", "otherBucket": False, "parentFormat": {"id": "terms"},
                       "size": bucket.size},
            "scale": "ordinal", "sourceField": bucket.field}


def _metric_column(panel: Panel) -> dict:
    op, field = panel.metric.op, panel.metric.field
    return {"dataType": "number", "isBucketed": False, "label": _OP_LABELS[op].format(field),
            "operationType": op, "params": {"emptyAsNull": True}, "scale": "ratio",
            "sourceField": field or "___records___"}


def _visualization(panel: Panel, layer: str, buckets: list[str], metric: str) -> dict:
    if panel.chart == "pie":
        return {"layers": [{"categoryDisplay": "default", "layerId": layer, "layerType": "data",
                            "legendDisplay": "default", "metrics": [metric], "nestedLegend": False,
                            "numberDisplay": "percent", "primaryGroups": buckets}], "shape": "pie"}
    if panel.chart in ("bar", "line"):
        series = "bar_stacked" if panel.chart == "bar" else "line"
        xy = {"accessors": [metric], "layerId": layer, "layerType": "data", "position": "top",
              "seriesType": series, "showGridlines": False, "xAccessor": buckets[0]}
        if len(buckets) > 1:
            xy["splitAccessor"] = buckets[1]
        return {"layers": [xy], "legend": {"isVisible": True, "position": "right"},
                "preferredSeriesType": series, "valueLabels": "hide"}
    if panel.chart == "metric":
        return {"layerId": layer, "layerType": "data", "metricAccessor": metric}
    return {"columns": [{"columnId": c} for c in [*buckets, metric]], "layerId": layer, "layerType": "data"}


def _lens(model: LogModel, dashboard: Dashboard, panel: Panel) -> dict:
    base = (model.name, dashboard.id, "panel", panel.id)
    layer = object_id(*base, "layer")
    metric = object_id(*base, "metric")
    buckets = [object_id(*base, "bucket", str(i)) for i in range(len(panel.buckets))]
    columns = {metric: _metric_column(panel)}
    for column, bucket in zip(buckets, panel.buckets):
        columns[column] = _bucket_column(bucket, metric)
    state = {
        "adHocDataViews": {},
        "datasourceStates": {"formBased": {"layers": {layer: {
            "columnOrder": [*buckets, metric], "columns": columns, "incompleteColumns": {}}}}},
        "filters": [],
        "internalReferences": [],
        "query": {"language": "kuery", "query": kql(panel.filter)},
        "visualization": _visualization(panel, layer, buckets, metric),
    }
    return _saved("lens", object_id(*base), {
        "description": "", "state": state, "title": panel.title, "visualizationType": _VIS_TYPES[panel.chart],
    }, [{"id": data_view_id(model), "name": f"indexpattern-datasource-layer-{layer}", "type": "index-pattern"}])


def _dashboard(model: LogModel, dashboard: Dashboard, lenses: list[dict], searches: list[dict]) -> dict:
    panels, references = [], []
    x = y = 0
    for obj in [*lenses, *searches]:
        index = object_id(model.name, dashboard.id, "grid", obj["id"])
        width = HALF if obj["type"] == "lens" else GRID_COLUMNS
        if x + width > GRID_COLUMNS:  # no room left on this row: the panel starts the next one
            x, y = 0, y + PANEL_HEIGHT
        panels.append({"embeddableConfig": {"enhancements": {}}, "gridData": {"h": PANEL_HEIGHT, "i": index,
                       "w": width, "x": x, "y": y}, "panelIndex": index, "panelRefName": f"panel_{index}",
                       "title": obj["attributes"]["title"], "type": obj["type"]})
        x += width
        references.append({"id": obj["id"], "name": f"{index}:panel_{index}", "type": obj["type"]})
    return _saved("dashboard", object_id(model.name, dashboard.id), {
        "description": dashboard.description,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"},
                                                                  "filter": []})},
        "optionsJSON": json.dumps({"useMargins": True, "syncColors": False, "syncCursor": True,
                                   "syncTooltips": False, "hidePanelTitles": False}),
        "panelsJSON": json.dumps(panels), "timeRestore": False, "title": dashboard.title,
    }, references)


def saved_objects(model: LogModel) -> list[dict]:
    """Every object, referenced objects before the objects that reference them."""
    objects = [_data_view(model)]
    for dashboard in model.dashboards:
        searches = [_search(model, dashboard, s) for s in dashboard.searches]
        lenses = [_lens(model, dashboard, p) for p in dashboard.panels]
        objects += [*searches, *lenses, _dashboard(model, dashboard, lenses, searches)]
    return objects


def render(model: LogModel) -> list[Artifact]:
    lines = [json.dumps(obj, sort_keys=True, ensure_ascii=False) for obj in saved_objects(model)]
    return [Artifact(PATH, "\n".join(lines) + "\n")]
