"""Set-up files a newcomer meets first: the Makefile's Python check and stale-.venv detection,
.env.example, compose's published port. Fast: nothing is installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values
from packaging.specifiers import SpecifierSet

from bot.settings import Settings
from tests.conftest import ROOT

MAKE = shutil.which("make")
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def makefile_value(name: str) -> str:
    match = re.search(rf"^{name}\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, f"{name} is not set in the Makefile"
    return match.group(1).strip()


SUPPORTED = makefile_value("SUPPORTED_PYTHONS").split()


def interpreter(version: str) -> str | None:
    """A Python of that minor version on this machine (PATH, then pyenv's versions)."""
    found = shutil.which(f"python{version}")
    candidates = [found] if found else []
    candidates += sorted(str(p) for p in PYENV.glob(f"{version}.*/bin/python{version}"))
    for candidate in candidates:
        run = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode == 0 and run.stdout.strip() == version:
            return candidate
    return None


def unsupported_python() -> str:
    for version in ("3.12", "3.13", "3.10"):
        if version not in SUPPORTED and (found := interpreter(version)):
            return found
    pytest.skip("no unsupported Python on this machine")


# Nothing from an outer make (`make test` runs this file) or the developer's shell leaks in.
LEAKS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PYTHON", "VENV", "TORCH_INDEX_URL")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", *args],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in LEAKS},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_supported_pythons_match_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    spec = SpecifierSet(project["requires-python"])
    minors = [f"3.{n}" for n in range(8, 16)]
    assert [v for v in minors if f"{v}.0" in spec] == SUPPORTED
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in SUPPORTED  # the suite runs on one


@pytest.mark.parametrize("target", ["run", "test", "install", "test-fast"])
def test_an_unsupported_python_stops_make_with_one_line_before_installing(tmp_path, target):
    python = unsupported_python()
    venv = tmp_path / "venv"
    # -n would print the recipe; the check must stop make before that, and create nothing.
    for args in (["-n", target], [target]):
        run = make(*args, f"PYTHON={python}", f"VENV={venv}")
        assert run.returncode != 0
        assert run.stdout == ""
        (line,) = run.stderr.splitlines()
        assert f"supports Python {' '.join(SUPPORTED)}" in line
        assert f"PYTHON={python} is Python" in line and f"PYTHON=python{SUPPORTED[0]}" in line
    assert not venv.exists()


def test_a_missing_python_is_named_and_clean_still_works(tmp_path):
    run = make("-n", "run", "PYTHON=no-such-python3")
    assert run.returncode != 0 and "PYTHON=no-such-python3 is not found" in run.stderr
    assert len(run.stderr.splitlines()) == 1
    cleaned = make("-n", "clean", "PYTHON=no-such-python3", f"VENV={tmp_path / 'venv'}")
    assert cleaned.returncode == 0 and "rm -rf" in cleaned.stdout


def test_the_supported_python_passes_the_check():
    run = make("check-python", f"PYTHON={sys.executable}")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"Python {SUPPORTED[0]} ({sys.executable}): supported"


def fake_venv(path: Path, python: str, stamp: str | None) -> Path:
    """A bare venv (no pip: fast) built by `python`, with a stamp newer than the inputs."""
    subprocess.run([python, "-m", "venv", "--without-pip", str(path)], check=True)
    if stamp is not None:
        (path / ".installed").write_text(stamp + "\n")
    return path


def install_plan(venv: Path, python: str) -> subprocess.CompletedProcess[str]:
    return make("-n", "install", f"PYTHON={python}", f"VENV={venv}")


def test_an_up_to_date_venv_needs_nothing(tmp_path):
    venv = fake_venv(tmp_path / "venv", sys.executable, SUPPORTED[0])
    run = install_plan(venv, sys.executable)
    assert run.returncode == 0, run.stderr
    assert "Nothing to be done" in run.stdout


def test_a_venv_built_by_another_python_is_rebuilt(tmp_path):
    other = unsupported_python()
    venv = fake_venv(tmp_path / "venv", other, SUPPORTED[0])
    run = install_plan(venv, sys.executable)
    assert run.returncode == 0, run.stderr
    assert "Nothing to be done" not in run.stdout and "pip" in run.stdout


def test_a_broken_venv_is_rebuilt(tmp_path):
    venv = fake_venv(tmp_path / "venv", sys.executable, SUPPORTED[0])
    (venv / "bin" / "python").unlink()  # e.g. its interpreter was uninstalled
    run = install_plan(venv, sys.executable)
    assert "Nothing to be done" not in run.stdout and "pip" in run.stdout


def test_a_stamp_without_the_version_reinstalls_into_the_same_venv(tmp_path):
    venv = fake_venv(tmp_path / "venv", sys.executable, "")  # written by the old Makefile
    run = install_plan(venv, sys.executable)
    assert "pip" in run.stdout and f'echo "{SUPPORTED[0]}"' in run.stdout


FAKE_INSTALL = ("install", "PIP=true", "VENV_FLAGS=--without-pip")


def test_the_rebuild_really_replaces_the_venv_and_records_the_version(tmp_path):
    """Runs the install recipe for real, pip replaced by `true`: only the venv logic runs."""
    other = unsupported_python()
    venv = fake_venv(tmp_path / "venv", other, SUPPORTED[0])
    (venv / "left-over").write_text("from the old venv")
    run = make(*FAKE_INSTALL, f"PYTHON={sys.executable}", f"VENV={venv}")
    assert run.returncode == 0, run.stderr
    assert "rebuilding it" in run.stdout
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == SUPPORTED[0] and not (venv / "left-over").exists()
    assert (venv / ".installed").read_text().strip() == SUPPORTED[0]
    assert "Nothing to be done" in install_plan(venv, sys.executable).stdout


def test_a_directory_that_is_no_venv_is_never_deleted(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.md").write_text("keep me")
    run = make(*FAKE_INSTALL, f"PYTHON={sys.executable}", f"VENV={precious}")
    assert run.returncode != 0 and "is not a virtual environment" in run.stderr
    assert (precious / "notes.md").exists()


def test_install_takes_cpu_torch_from_configured_sources_then_the_cpu_index(tmp_path):
    venv = tmp_path / "venv"
    plan = install_plan(venv, sys.executable).stdout
    torch_lines = [line for line in plan.splitlines() if "torch==" in line]
    assert '"torch==2.13.0+cpu"' in torch_lines[0]
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in torch_lines[1]
    assert torch_lines[1].lstrip().startswith("||")
    mirror = make(
        "-n", "install", f"PYTHON={sys.executable}", f"VENV={venv}", "TORCH_INDEX_URL=http://m/cpu"
    )
    assert "--extra-index-url http://m/cpu" in mirror.stdout
    assert not venv.exists()


def test_test_fast_and_bench_are_what_the_readme_says():
    here = (f"PYTHON={sys.executable}", f"VENV={ROOT / '.venv'}")
    test_fast = make("-n", "test-fast", *here)
    assert test_fast.returncode == 0, test_fast.stderr
    assert 'pytest -m "not slow" -x -q' in test_fast.stdout and "ruff check" in test_fast.stdout
    bench = make("-n", "bench", *here)
    assert "-m benchmarks --out docs/benchmarks.md" in bench.stdout


def test_env_example_has_no_active_slack_line_and_changes_nothing(tmp_path):
    example = ROOT / ".env.example"
    active = [
        line
        for line in example.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert active == []
    assert dotenv_values(example) == {}
    env_file = tmp_path / ".env"
    shutil.copy(example, env_file)
    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert not settings.slack_enabled and settings.slack_app_token is None


def test_env_example_explains_each_slack_variable():
    lines = (ROOT / ".env.example").read_text().splitlines()
    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        (index,) = [i for i, line in enumerate(lines) if line.startswith(f"# {var}=")]
        above = lines[index - 1]  # a comment that explains it, not another variable
        assert above.startswith("# ") and not re.match(r"# [A-Z_]+=", above)


def compose_default(value: str) -> str:
    """Compose's `${VAR:-default}` interpolation, with every variable unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


def test_compose_publishes_the_bot_on_fixed_port_3000():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    ports = [compose_default(str(p)) for p in compose["services"]["bot"]["ports"]]
    assert ports == ["3000:3000"]
    assert "3000" in (ROOT / "compose.yaml").read_text().split("services:")[0]  # documented
