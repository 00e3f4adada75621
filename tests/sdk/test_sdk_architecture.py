"""drisya_client stands alone: it imports the standard library, httpx and websockets only (never a
server package), and the last two only inside functions, so `import drisya_client` stays fast."""

from __future__ import annotations

import ast
import sys

from tests.sdk.conftest import SDK

ALLOWED_THIRD_PARTY = {"httpx", "websockets"}


def _imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            yield name.split(".")[0], node.lineno, id(node) in top


def test_sdk_imports_only_the_standard_library_httpx_and_websockets():
    wrong = []
    for path in sorted((SDK / "drisya_client").rglob("*.py")):
        for module, line, at_top in _imports(path):
            where = f"{path.relative_to(SDK)}:{line}"
            if module == "drisya_client" or module in sys.stdlib_module_names:
                continue
            if module not in ALLOWED_THIRD_PARTY:
                wrong.append(f"{where} imports {module}")
            elif at_top:
                wrong.append(f"{where} imports {module} at module level (slows `import drisya_client`)")
    assert not wrong, "\n".join(wrong)
