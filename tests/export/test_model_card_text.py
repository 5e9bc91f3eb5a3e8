"""The model card's whole text, Markdown and HTML, for facts written out here: every heading, sentence, table
row and number format is compared, not fragments (the export tests check that real exports carry a card)."""

from __future__ import annotations

import copy
from pathlib import Path

from designer.export.model_card import card_path, html, markdown, md_escape

FACTS = {"name": "Iris <b>|1", "format": "onnx", "files": ["model.onnx"], "task": "classification",
         "classes": [2, 10], "loss": "categorical_crossentropy",
         "data": {"source": "flowers.csv", "target": "kind", "missing": "mean", "scaling": "standard",
                  "split": {"validation": 0.2, "test": 0.1},
                  "columns": [{"name": "petal_w", "kind": "numeric", "detail": "missing → 0.5; (x − 1) / 2"},
                              {"name": "colour", "kind": "categorical", "detail": "2 categories, missing → red"}]},
         "layers": [{"id": "dense_1", "type": "Dense", "shape": "(None, 2)", "params": 1234,
                     "settings": '{"units": 2}'}],
         "training": {"batch_size": 32, "optimizer": '{"type": "sgd"}'}, "epochs_trained": 7,
         "metrics": {"loss": 0.123456, "accuracy": 0.5, "samples": 40, "confusion_matrix": [[1, 2], [3, 4]]},
         "metrics_note": None, "test_rows": 40,
         "agreement": {"verified": True, "rows": 40, "max_difference": 1.5e-7}}

MARKDOWN = (
    '# Model card: Iris &lt;b&gt;\\|1\n'
    '\n'
    'Exported by Network Designer as **onnx** (model.onnx).\n'
    '\n'
    '## Data and its preparation\n'
    '\n'
    '|  |  |\n'
    '|---|---|\n'
    '| source | flowers.csv |\n'
    '| target | kind |\n'
    '| task | classification |\n'
    '| missing values | mean |\n'
    '| scaling | standard |\n'
    '| split | validation 0.2, test 0.1 |\n'
    '| classes | 2, 10 |\n'
    '\n'
    '| column | kind | preparation |\n'
    '|---|---|---|\n'
    '| petal\\_w | numeric | missing → 0.5; (x − 1) / 2 |\n'
    '| colour | categorical | 2 categories, missing → red |\n'
    '\n'
    '## Architecture\n'
    '\n'
    '| layer | type | output shape | parameters | settings |\n'
    '|---|---|---|---|---|\n'
    '| dense\\_1 | Dense | (None, 2) | 1,234 | {"units": 2} |\n'
    '\n'
    '1,234 parameters in all.\n'
    '\n'
    '## Hyperparameters\n'
    '\n'
    '| setting | value |\n'
    '|---|---|\n'
    '| batch\\_size | 32 |\n'
    '| optimizer | {"type": "sgd"} |\n'
    '\n'
    'Epochs trained: 7.\n'
    '\n'
    '## Metrics on the test split\n'
    '\n'
    '| metric (test split) | value |\n'
    '|---|---|\n'
    '| loss | 0.1235 |\n'
    '| accuracy | 0.5 |\n'
    '| samples | 40 |\n'
    '\n'
    'Confusion matrix (rows: true class, columns: predicted):\n'
    '\n'
    '| true \\ predicted | 2 | 10 |\n'
    '|---|---|---|\n'
    '| 2 | 1 | 2 |\n'
    '| 10 | 3 | 4 |\n'
    '\n'
    '## Agreement of this export with the app\n'
    '\n'
    'The onnx export was run on 40 test-split rows when it was written: its outputs differ from the'
    " app's by at most 1.5e-07.\n"
    '\n'
    '## Limitations\n'
    '\n'
    'The model has seen only the training split of its data source; rows unlike those (other ranges,'
    ' other populations) can be predicted with confidence and still be wrong.\n'
    '\n'
    'A category never seen in training is encoded as all zeros: the prediction for such a row ignores that column.\n'
    '\n'
    'The test split has 40 rows: the metrics above are rough estimates.\n'
    '\n'
    'Missing values are filled with training statistics, as listed under the data preparation.\n'
    ''
)

HTML = (
    '<!DOCTYPE html>\n'
    '<html lang="en"><head><meta charset="utf-8">\n'
    '<title>Model card: Iris &lt;b&gt;|1</title>\n'
    '<style>body{font-family:sans-serif;max-width:60em;margin:2em'
    ' auto;line-height:1.4}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid'
    ' #999;padding:.2em .6em}th{background:#eee}img{max-width:100%;border:1px solid'
    ' #ccc}</style></head><body>\n'
    '<h1>Model card: Iris &lt;b&gt;|1</h1>\n'
    '<h2>Data and its preparation</h2>\n'
    '<table><tr><th></th><th></th></tr>\n'
    '<tr><td>source</td><td>flowers.csv</td></tr>\n'
    '<tr><td>target</td><td>kind</td></tr>\n'
    '<tr><td>task</td><td>classification</td></tr>\n'
    '<tr><td>missing values</td><td>mean</td></tr>\n'
    '<tr><td>scaling</td><td>standard</td></tr>\n'
    '<tr><td>split</td><td>validation 0.2, test 0.1</td></tr>\n'
    '<tr><td>classes</td><td>2, 10</td></tr>\n'
    '</table>\n'
    '<table><tr><th>column</th><th>kind</th><th>preparation</th></tr>\n'
    '<tr><td>petal_w</td><td>numeric</td><td>missing → 0.5; (x − 1) / 2</td></tr>\n'
    '<tr><td>colour</td><td>categorical</td><td>2 categories, missing → red</td></tr>\n'
    '</table>\n'
    '<h2>Architecture</h2>\n'
    '<table><tr><th>layer</th><th>type</th><th>output shape</th><th>parameters</th><th>settings</th></tr>\n'
    '<tr><td>dense_1</td><td>Dense</td><td>(None, 2)</td><td>1,234</td><td>{&quot;units&quot;: 2}</td></tr>\n'
    '</table>\n'
    '<p>1,234 parameters in all.</p>\n'
    '<h2>Hyperparameters</h2>\n'
    '<table><tr><th>setting</th><th>value</th></tr>\n'
    '<tr><td>batch_size</td><td>32</td></tr>\n'
    '<tr><td>optimizer</td><td>{&quot;type&quot;: &quot;sgd&quot;}</td></tr>\n'
    '</table>\n'
    '<p>Epochs trained: 7.</p>\n'
    '<h2>Metrics on the test split</h2>\n'
    '<table><tr><th>metric (test split)</th><th>value</th></tr>\n'
    '<tr><td>loss</td><td>0.1235</td></tr>\n'
    '<tr><td>accuracy</td><td>0.5</td></tr>\n'
    '<tr><td>samples</td><td>40</td></tr>\n'
    '</table>\n'
    '<p>Confusion matrix (rows: true class, columns: predicted):</p>\n'
    '<table><tr><th>true \\ predicted</th><th>2</th><th>10</th></tr>\n'
    '<tr><td>2</td><td>1</td><td>2</td></tr>\n'
    '<tr><td>10</td><td>3</td><td>4</td></tr>\n'
    '</table>\n'
    '<h2>Agreement of this export with the app</h2>\n'
    '<p>The onnx export was run on 40 test-split rows when it was written: its outputs differ from the'
    ' app&#x27;s by at most 1.5e-07.</p>\n'
    '<h2>Limitations</h2>\n'
    '<p>The model has seen only the training split of its data source; rows unlike those (other ranges,'
    ' other populations) can be predicted with confidence and still be wrong.</p>\n'
    '<p>A category never seen in training is encoded as all zeros: the prediction for such a row ignores'
    ' that column.</p>\n'
    '<p>The test split has 40 rows: the metrics above are rough estimates.</p>\n'
    '<p>Missing values are filled with training statistics, as listed under the data preparation.</p>\n'
    '<h2>Training</h2>\n'
    '<figure><img alt="loss" src="data:image/png;base64,iVBORw=="><figcaption>loss</figcaption></figure>\n'
    '</body></html>\n'
    ''
)


def test_the_whole_markdown_card():
    assert markdown(FACTS) == MARKDOWN


def test_the_whole_html_card_with_an_image():
    # b"\x89PNG" in base64 is "iVBORw==" (RFC 4648: 0x89 0x50 0x4E 0x47 → 100010 010101 000001 001110 0111..)
    assert html(FACTS, [("loss", b"\x89PNG")]) == HTML


def test_an_html_card_without_images_has_no_training_section():
    assert html(FACTS) == HTML.replace('<h2>Training</h2>\n<figure><img alt="loss" src="data:image/png;base64,'
                                       'iVBORw=="><figcaption>loss</figcaption></figure>\n', "")


def _variant(**changes):
    f = copy.deepcopy(FACTS)
    for key, value in changes.items():
        f[key] = value
    return f


def _section(text, heading):
    """A section's text after its heading, up to the next heading (blank line included)."""
    body = text.split(f"## {heading}\n\n", 1)[1]
    return body.split("## ", 1)[0]


def test_an_export_not_run_says_why_in_its_own_words():
    f = _variant(format="keras", files=["a_b.keras", "run.py"],
                 agreement={"verified": False, "note": "not run at export time (x_y)"})
    text = markdown(f)
    assert "Exported by Network Designer as **keras** (a\\_b.keras, run.py).\n\n" in text
    assert _section(text, "Agreement of this export with the app") == (
        "The keras export: not run at export time (x\\_y).\n\n")


def test_without_a_format_there_is_no_export_line_and_no_agreement():
    text = markdown(_variant(format=None, agreement=None))
    assert text.startswith("# Model card: Iris &lt;b&gt;\\|1\n\n## Data and its preparation\n\n")
    assert "Exported by" not in text and "## Agreement" not in text


def test_unmeasured_metrics_say_so_and_drop_the_rough_estimate_line():
    text = markdown(_variant(metrics=None, metrics_note="not measured: no_rows"))
    assert _section(text, "Metrics on the test split") == "not measured: no\\_rows\n\n"
    assert "rough estimates" not in text
    assert _section(markdown(_variant(metrics=None)), "Metrics on the test split") == "not measured\n\n"


def test_regression_metrics_no_classes_no_columns_and_a_large_test_split():
    f = _variant(classes=[], task="regression", test_rows=100,
                 metrics={"loss": 2.0, "mae": 1.25, "rmse": 1.5, "r2": 0.87654, "samples": 100})
    f["data"]["columns"] = []
    f["data"]["split"] = {}
    text = markdown(f)
    data = _section(text, "Data and its preparation")
    assert "| split | the defaults |\n\n" in data and "| classes |" not in data
    assert data.endswith("The column preparation is not recorded (the data could not be read).\n\n")
    assert _section(text, "Metrics on the test split") == (
        "| metric (test split) | value |\n|---|---|\n| loss | 2 |\n| mae | 1.25 |\n| rmse | 1.5 |\n"
        "| r2 | 0.8765 |\n| samples | 100 |\n\n")
    assert _section(text, "Limitations") == (
        "The model has seen only the training split of its data source; rows unlike those (other ranges, other "
        "populations) can be predicted with confidence and still be wrong.\n\n"
        "Missing values are filled with training statistics, as listed under the data preparation.\n")


def test_a_confusion_matrix_needs_classes():
    text = markdown(_variant(classes=[]))
    assert "Confusion matrix" not in text and "| accuracy | 0.5 |" in text


def test_markdown_escaping_of_every_active_character():
    assert md_escape("a\\b`c*d_e[f]g|h#i!j~k<l>&\r\nm") == (
        "a\\\\b\\`c\\*d\\_e\\[f\\]g\\|h\\#i\\!j\\~k&lt;l&gt;&amp;  m")
    assert md_escape(3) == "3"


def test_the_card_goes_inside_a_folder_export_and_beside_a_file():
    assert card_path("pytorch", Path("out/pt")) == Path("out/pt/MODEL_CARD.md")
    assert card_path("keras", Path("out/k")) == Path("out/k/MODEL_CARD.md")
    assert card_path("pytorch", Path("out/model.PY")) == Path("out/MODEL_CARD.md")
    assert card_path("onnx", Path("out/m.onnx")) == Path("out/MODEL_CARD.md")
    assert card_path("python", Path("out/p.py")) == Path("out/MODEL_CARD.md")
