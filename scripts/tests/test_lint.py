"""A small lint of the package and its tests, standard library only: every module compiles,
and none imports a name it never uses. pyflakes, where it is installed, runs as well."""
import ast
import glob
import os
import py_compile
import subprocess
import sys
import tempfile
import unittest

from .support import SCRIPTS

SOURCES = sorted(glob.glob(os.path.join(SCRIPTS, "ipcbench_tools", "*.py"))
                 + glob.glob(os.path.join(SCRIPTS, "tests", "*.py")))


def unused_imports(source, filename):
    """Names a module imports and never mentions again ("line: name"); __init__ files, which
    import to re-export, are left alone."""
    if os.path.basename(filename) == "__init__.py":
        return []
    tree = ast.parse(source, filename)
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                name = (alias.asname or alias.name).split(".")[0]
                imported[name] = node.lineno
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.value.id for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)}
    return [f"{line}: {name}" for name, line in sorted(imported.items(), key=lambda item: item[1])
            if name not in used]


class LintTests(unittest.TestCase):
    def test_every_module_compiles(self):
        with tempfile.TemporaryDirectory() as folder:
            for path in SOURCES:
                with self.subTest(path=os.path.relpath(path, SCRIPTS)):
                    py_compile.compile(path, cfile=os.path.join(folder, "x.pyc"), doraise=True)

    def test_no_module_imports_a_name_it_does_not_use(self):
        for path in SOURCES:
            with open(path) as f:
                source = f.read()
            with self.subTest(path=os.path.relpath(path, SCRIPTS)):
                self.assertEqual(unused_imports(source, path), [])

    def test_the_lint_sees_an_unused_import(self):
        self.assertEqual(unused_imports("import os\nimport re\nre.compile('x')\n", "m.py"), ["1: os"])

    def test_pyflakes_finds_nothing_where_it_is_installed(self):
        probe = subprocess.run([sys.executable, "-m", "pyflakes", "--version"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("pyflakes is not installed")
        result = subprocess.run([sys.executable, "-m", "pyflakes"] + SOURCES, capture_output=True, text=True)
        self.assertEqual(result.stdout + result.stderr, "")


if __name__ == "__main__":
    unittest.main()
