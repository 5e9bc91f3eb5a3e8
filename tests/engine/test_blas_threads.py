"""The window's BLAS thread cap on macOS, where NumPy's Accelerate is out of threadpoolctl's reach
(designer/blas.py). Each check runs in a fresh interpreter: the cap only counts before NumPy loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from designer.blas import ACCELERATE_VAR


def _run(code: str, **env) -> dict:
    full_env = {k: v for k, v in os.environ.items() if k != ACCELERATE_VAR}
    full_env.update(env)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          encoding="utf-8", env=full_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_command_line_module_leaves_numpy_unloaded():
    """cli.main decides for the window before anything imports NumPy."""
    out = _run("""
        import json, sys
        import designer.cli
        print(json.dumps({"numpy": "numpy" in sys.modules}))
    """)
    assert out == {"numpy": False}


def test_cap_is_set_before_numpy_and_only_on_macos():
    out = _run(f"""
        import json, os
        from designer.blas import cap_accelerate_before_numpy, numpy_blas_name
        first = cap_accelerate_before_numpy(3)
        value = os.environ.get({ACCELERATE_VAR!r})
        import numpy
        late = cap_accelerate_before_numpy(2)
        print(json.dumps({{"first": first, "value": value, "late": late, "blas": numpy_blas_name(),
                          "after": os.environ.get({ACCELERATE_VAR!r})}}))
    """)
    if sys.platform == "darwin":
        assert out["first"] is True and out["value"] == "3"
    else:
        assert out["first"] is False and out["value"] is None
    assert out["late"] is False and out["after"] == out["value"]  # too late once NumPy is loaded
    assert out["blas"]  # NumPy says which BLAS it uses (the CI log shows "accelerate" on Apple silicon)


def test_a_value_the_user_set_is_kept():
    out = _run(f"""
        import json, os
        from designer.blas import cap_accelerate_before_numpy
        cap_accelerate_before_numpy(3, platform="darwin")
        print(json.dumps({{"value": os.environ.get({ACCELERATE_VAR!r})}}))
    """, **{ACCELERATE_VAR: "1"})
    assert out == {"value": "1"}
