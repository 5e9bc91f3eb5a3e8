"""A model card for an exported network: what it was trained on, how, how well, and how far the export agrees.

`card_facts` gathers plain data (Qt-free; the data is re-prepared exactly as `predict` does it); `markdown` and
`html` render it. Every piece of user data (project name, column names, class labels, layer ids) goes through
one escaping function per format, so a hostile name is shown as text and never becomes markup.
The app's File ▸ Export report… passes the training plots as PNG bytes to `html`.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
import logging
from pathlib import Path

import numpy as np

from designer.errors import DesignerError

log = logging.getLogger(__name__)

CARD_NAME = "MODEL_CARD.md"
VERIFY_ROWS = 256  # test-split rows run through the export to measure its agreement with the engine


def card_path(fmt: str, out_path: Path) -> Path:
    """Where the card of an export goes: inside the folder of a folder export, beside a one-file export."""
    out_path = Path(out_path)
    folder = out_path if fmt in ("pytorch", "keras") and out_path.suffix.lower() != ".py" else out_path.parent
    return folder / CARD_NAME


# ------------------------------------------------------------------------------------------------ facts
def card_facts(project, plan, prepared, base_dir, fmt: str | None = None, written=None) -> dict:
    """Everything the card says, as plain values. `prepared` may be None (data unreadable): the sections that
    need the data then say so instead of failing the export."""
    facts = {"name": project.name, "format": fmt, "files": [Path(p).name for p in written or []],
             "task": plan.task, "classes": list(plan.classes or []), "loss": plan.loss,
             "data": _data_facts(project, plan), "layers": _layers(project, plan),
             "training": {k: v if _plain(v) else json.dumps(v, sort_keys=True, default=str)
                          for k, v in sorted(project.training.items())},
             "epochs_trained": sum(len(run.get("epochs", [])) for run in project.history),
             "metrics": None, "metrics_note": None, "agreement": None}
    if prepared is None:
        facts["metrics_note"] = "not measured: the project's data could not be read at export time"
    else:
        try:
            facts["metrics"], facts["test_rows"] = _test_metrics(project, base_dir)
        except DesignerError as err:
            facts["metrics_note"] = f"not measured: {err}"
    if fmt is not None and written:
        facts["agreement"] = _agreement(project, plan, prepared, base_dir, fmt, [Path(p) for p in written])
    return facts


def _plain(value) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def _data_facts(project, plan) -> dict:
    data = project.data
    source = data.get("source") or {}
    spec = plan.preprocessing
    return {"source": source.get("path") or source.get("name") or source.get("kind") or "?",
            "target": data.get("target"), "missing": data.get("missing"), "scaling": data.get("scaling"),
            "split": data.get("split") or {},
            "columns": [] if spec is None else [
                {"name": c["name"], "kind": c["kind"],
                 "detail": (f"{len(c['categories'])} categories, missing → {c['fill']!s}" if c["kind"] == "categorical"
                            else f"missing → {c['fill']:.6g}; (x − {c['offset']:.6g}) / {c['scale']:.6g}")}
                for c in spec["columns"]]}


def _layers(project, plan) -> list[dict]:
    rows = []
    for s in plan.steps:
        params = sum(int(a.size) for a in s.arrays.values())
        shown = {k: v for k, v in s.params.items() if _plain(v) or isinstance(v, (list, tuple))}
        rows.append({"id": s.id, "type": s.type, "shape": "(None, " + ", ".join(map(str, s.out_shape)) + ")",
                     "params": params, "settings": json.dumps(shown, sort_keys=True, default=str)})
    return rows


def _test_metrics(project, base_dir):
    from designer.pipeline import evaluate_project

    result = evaluate_project(project, base_dir, split="test")
    return result, result.get("samples")


def _agreement(project, plan, prepared, base_dir, fmt: str, written: list[Path]) -> dict:
    """Run the export on test-split rows where it can run in this interpreter; the largest difference."""
    if prepared is None:
        return {"verified": False, "note": "not checked: the project's data could not be read"}
    from designer.training.metrics import reshape_inputs
    from designer.training.run import build_and_prepare

    try:
        network, prepared = build_and_prepare(project, base_dir)
        x, _ = prepared.split("test")
        if len(x) == 0:
            x = prepared.x_train
        x = reshape_inputs(x[:VERIFY_ROWS], network.input_shape).astype(np.float32)
        expected = np.asarray(network.predict(x), dtype=np.float64).reshape(len(x), -1)
        got = _run_export(fmt, written, x, plan)
    except Exception as err:  # noqa: BLE001 — the check is a report; it must never fail the export itself
        return {"verified": False, "note": f"not checked here ({type(err).__name__}: {err})"}
    if got is None:
        return {"verified": False, "note": f"not run at export time (the app does not ship {fmt}); the project's "
                                           "export tests check it against the engine"}
    diff = float(np.max(np.abs(np.asarray(got, np.float64).reshape(expected.shape) - expected))) if len(x) else 0.0
    return {"verified": True, "rows": len(x), "max_difference": diff}


def _run_export(fmt: str, written: list[Path], x: np.ndarray, plan):
    from designer.export import selfcheck

    if fmt == "python":
        import importlib.machinery
        import importlib.util

        # an explicit source loader: "MODEL.PY" (any case) is Python too, and spec_from_file_location would not say so
        loader = importlib.machinery.SourceFileLoader("model_card_predictor", str(written[0]))
        module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
        loader.exec_module(module)
        return module.predict(x)
    if fmt == "onnx":
        import onnx

        model = onnx.load(str(written[0]))
        meta = {p.key: p.value for p in model.metadata_props}
        if "raw_inputs" in meta:
            feeds = selfcheck._raw_feeds(json.loads(meta["raw_inputs"]), json.loads(meta["preprocessing"]), x)
        elif meta.get("input_preprocessing", "").startswith("embedded"):
            cols = json.loads(meta["preprocessing"])["columns"]
            scale = np.asarray([c["scale"] for c in cols], np.float32).reshape(x.shape[1:])
            offset = np.asarray([c["offset"] for c in cols], np.float32).reshape(x.shape[1:])
            feeds = {"input": (x * scale + offset).astype(np.float32)}
        else:
            feeds = {"input": x}
        try:
            import onnxruntime as ort

            session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
            return session.run(None, feeds)[0]
        except ImportError:
            from onnx.reference import ReferenceEvaluator

            return ReferenceEvaluator(model).run(None, feeds)[0]
    return None


# ------------------------------------------------------------------------------------------------ rendering
def md_escape(value) -> str:
    """User text inside Markdown (tables included): HTML-escaped (Markdown renderers pass raw HTML through) and
    with the characters Markdown acts on backslash-escaped; line breaks become spaces."""
    text = html_lib.escape(str(value), quote=False).replace("\r", " ").replace("\n", " ")
    for ch in "\\`*_[]|#!~":
        text = text.replace(ch, "\\" + ch)
    return text


def _sections(f: dict) -> list[tuple[str, list]]:
    """The card as (heading, blocks); a block is ("p", text) or ("table", header, rows), cells already safe
    plain strings or ("user", value) to be escaped by the renderer."""
    u = _User
    d = f["data"]
    split = d["split"]
    data_rows = [["source", u(d["source"])], ["target", u(d["target"])], ["task", u(f["task"])],
                 ["missing values", u(d["missing"])], ["scaling", u(d["scaling"])],
                 ["split", u(", ".join(f"{k} {v}" for k, v in split.items()) or "the defaults")]]
    if f["classes"]:
        data_rows.append(["classes", u(", ".join(map(str, f["classes"])))])
    sections = [("Data and its preparation", [("table", ["", ""], data_rows)])]
    if d["columns"]:
        sections[0][1].append(("table", ["column", "kind", "preparation"],
                               [[u(c["name"]), u(c["kind"]), u(c["detail"])] for c in d["columns"]]))
    else:
        sections[0][1].append(("p", "The column preparation is not recorded (the data could not be read)."))
    total = sum(r["params"] for r in f["layers"])
    sections.append(("Architecture", [("table", ["layer", "type", "output shape", "parameters", "settings"],
                                       [[u(r["id"]), u(r["type"]), u(r["shape"]), f"{r['params']:,}",
                                         u(r["settings"])] for r in f["layers"]]),
                                      ("p", f"{total:,} parameters in all.")]))
    sections.append(("Hyperparameters", [("table", ["setting", "value"],
                                          [[u(k), u(v)] for k, v in f["training"].items()]),
                                         ("p", f"Epochs trained: {f['epochs_trained']}.")]))
    metrics_blocks: list = []
    m = f["metrics"]
    if m is None:
        metrics_blocks.append(("p", u(f["metrics_note"] or "not measured")))
    else:
        keys = [k for k in ("loss", "accuracy", "mae", "rmse", "r2", "samples") if k in m]
        metrics_blocks.append(("table", ["metric (test split)", "value"],
                               [[k, _number(m[k])] for k in keys]))
        cm = m.get("confusion_matrix")
        if cm and f["classes"]:
            metrics_blocks.append(("p", "Confusion matrix (rows: true class, columns: predicted):"))
            metrics_blocks.append(("table", ["true \\ predicted", *[u(c) for c in f["classes"]]],
                                   [[u(c), *[str(v) for v in row]] for c, row in zip(f["classes"], cm)]))
    sections.append(("Metrics on the test split", metrics_blocks))
    a = f["agreement"]
    if a is not None:
        if a.get("verified"):
            text = (f"The {f['format']} export was run on {a['rows']} test-split rows when it was written: its "
                    f"outputs differ from the app's by at most {a['max_difference']:.3g}.")
        else:
            text = u(f"The {f['format']} export: {a['note']}.")
        sections.append(("Agreement of this export with the app", [("p", text)]))
    sections.append(("Limitations", [("p", p) for p in _limitations(f)]))
    return sections


class _User(str):
    """A cell holding user data: the renderer escapes it."""


def _number(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _limitations(f: dict) -> list[str]:
    out = ["The model has seen only the training split of its data source; rows unlike those (other ranges, "
           "other populations) can be predicted with confidence and still be wrong."]
    if any(c["kind"] == "categorical" for c in f["data"]["columns"]):
        out.append("A category never seen in training is encoded as all zeros: the prediction for such a row "
                   "ignores that column.")
    if f["metrics"] is not None and (f.get("test_rows") or 0) < 100:
        out.append(f"The test split has {f.get('test_rows')} rows: the metrics above are rough estimates.")
    out.append("Missing values are filled with training statistics, as listed under the data preparation.")
    return out


def markdown(f: dict) -> str:
    lines = [f"# Model card: {md_escape(f['name'])}", ""]
    if f["format"]:
        files = ", ".join(md_escape(n) for n in f["files"])
        lines += [f"Exported by Network Designer as **{f['format']}** ({files}).", ""]
    for heading, blocks in _sections(f):
        lines += [f"## {heading}", ""]
        for block in blocks:
            if block[0] == "p":
                lines += [_md_cell(block[1]), ""]
            else:
                _, header, rows = block
                lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
                lines.append("|" + "---|" * len(header))
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
                lines.append("")
    return "\n".join(lines)


def _md_cell(value) -> str:
    return md_escape(value) if isinstance(value, _User) else str(value)


def html(f: dict, images: list[tuple[str, bytes]] = ()) -> str:
    """The card as one self-contained HTML page; `images` are (caption, PNG bytes) shown under Training."""
    e = html_lib.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Model card: {e(str(f['name']))}</title>",
           "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
           "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #999;padding:.2em .6em}"
           "th{background:#eee}img{max-width:100%;border:1px solid #ccc}</style></head><body>",
           f"<h1>Model card: {e(str(f['name']))}</h1>"]
    for heading, blocks in _sections(f):
        out.append(f"<h2>{e(heading)}</h2>")
        for block in blocks:
            if block[0] == "p":
                out.append(f"<p>{_html_cell(block[1])}</p>")
            else:
                _, header, rows = block
                out.append("<table><tr>" + "".join(f"<th>{_html_cell(h)}</th>" for h in header) + "</tr>")
                out += ["<tr>" + "".join(f"<td>{_html_cell(c)}</td>" for c in row) + "</tr>" for row in rows]
                out.append("</table>")
    if images:
        out.append("<h2>Training</h2>")
        for caption, png in images:
            data = base64.b64encode(png).decode("ascii")
            out.append(f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{e(caption)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_cell(value) -> str:
    # user data is escaped; our own cells are escaped too (they hold ≤, → and never markup)
    return html_lib.escape(str(value), quote=True)


def write_card(project, plan, prepared, base_dir, fmt: str, out_path: Path, written: list[Path]) -> Path:
    from designer.errors import ExportError
    from designer.fileio import atomic_write_bytes

    path = card_path(fmt, out_path)
    text = markdown(card_facts(project, plan, prepared, base_dir, fmt, written))
    atomic_write_bytes(path, text.encode("utf-8"), ExportError)
    return path
