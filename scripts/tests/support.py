"""What the tests share: the fixtures folder, and running a module's main() as the shell would."""
import contextlib
import io
import os
import shutil
import sys
import tempfile

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def fixture(*parts):
    """The path of a file under fixtures/."""
    return os.path.join(FIXTURES, *parts)


def copy_of_fixture(test, name):
    """A temporary folder holding a copy of fixtures/NAME's files, removed after `test`."""
    folder = tempfile.mkdtemp(prefix="%s-test." % name)
    test.addCleanup(shutil.rmtree, folder)
    for entry in os.listdir(fixture(name)):
        shutil.copy(fixture(name, entry), folder)
    return folder


def read_fixture(*parts):
    with open(fixture(*parts), newline="") as f:
        return f.read()


def run_main(main, argv):
    """(exit status, stdout, stderr) of main(argv); a sys.exit inside counts as its status."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as stop:
            status = stop.code
            if isinstance(status, str):
                print(status, file=sys.stderr)
                status = 1
    return status, out.getvalue(), err.getvalue()


def from_template(template, folder, into):
    """Writes `template` (a fixture whose lines name files as @DIR@/...) to `into`, @DIR@ being
    `folder`; returns `into`."""
    with open(template) as f:
        text = f.read().replace("@DIR@", folder)
    with open(into, "w") as f:
        f.write(text)
    return into
