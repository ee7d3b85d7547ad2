"""The README's two commands are the set-up contract; CI must run the test command as written."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _commands():
    return re.findall(r"```sh\n(.+?)\n```", (REPO / "README.md").read_text())


def test_readme_gives_the_main_job_and_the_test_command_first():
    main_job, tests, *_ = _commands()
    assert main_job == "pip install -e . && socialatlas demo"
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command():
    tests = _commands()[1]
    assert tests in (REPO / ".ci" / "run").read_text().splitlines()
