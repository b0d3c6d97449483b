"""The GitHub workflows and issue forms, checked as far as they can be without GitHub.

They cannot run here. These tests parse every file, check the keys GitHub
needs, that every action is pinned to a ref, that the repository's own
commands they call exist and are executable, and build the release zip the
way the release workflow does.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import re
import subprocess
import sys
from typing import Any
import zipfile

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
ISSUE_TEMPLATES = GITHUB / "ISSUE_TEMPLATE"
INTEGRATION = ROOT / "custom_components" / "powerwall_gateway"
RELEASE_ZIP = GITHUB / "scripts" / "release_zip.py"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
# owner/repo[/path]@ref; a ref-less `uses:` runs whatever the default branch holds.
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[\w./-]+$")
# The repository's own commands, as a workflow's `run:` calls them.
OWN_COMMAND = re.compile(r"(?:^|[\s;&|(])((?:scripts|\.ci|\.github/scripts)/[\w./-]+)")


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a mapping"
    return data


def _triggers(workflow: dict[Any, Any]) -> Any:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true; GitHub reads "on".
    return workflow.get("on", workflow.get(True))


def _steps(workflow: dict[Any, Any]) -> Iterator[dict[str, Any]]:
    for job in workflow["jobs"].values():
        yield from job["steps"]


def _workflow(name: str) -> dict[Any, Any]:
    return _load(WORKFLOWS / name)


def _integration_files() -> set[str]:
    return {
        path.relative_to(INTEGRATION).as_posix()
        for path in INTEGRATION.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


# ------------------------------------------------------------------------- workflows


def test_workflows_found() -> None:
    assert [path.name for path in WORKFLOW_FILES] == ["release.yml", "tests.yml", "validate.yml"]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_has_the_keys_github_needs(path: Path) -> None:
    workflow = _load(path)
    assert isinstance(workflow.get("name"), str)
    assert _triggers(workflow)
    assert isinstance(workflow.get("jobs"), dict)
    assert workflow["jobs"]
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("runs-on"), str), name
        # A hung job otherwise holds a runner for GitHub's six-hour default.
        assert isinstance(job.get("timeout-minutes"), int), name
        assert isinstance(job.get("steps"), list), name
        assert job["steps"], name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{name}: {step}"
            assert isinstance(step.get("name", ""), str)


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_actions_are_pinned_to_a_ref(path: Path) -> None:
    unpinned = [
        step["uses"]
        for step in _steps(_load(path))
        if "uses" in step and not PINNED_ACTION.match(step["uses"])
    ]
    assert unpinned == []


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_commands_exist_and_are_executable(path: Path) -> None:
    problems = []
    for step in _steps(_load(path)):
        script = step.get("run", "")
        for command in OWN_COMMAND.findall(script):
            target = ROOT / command
            if not target.is_file():
                problems.append(f"{command} does not exist")
            elif not re.search(rf"python3?\s+{re.escape(command)}", script) and not os.access(
                target, os.X_OK
            ):
                problems.append(f"{command} is not executable")
    assert problems == []


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_permissions_are_read_only_unless_releasing(path: Path) -> None:
    permissions = _load(path).get("permissions")
    expected = {"contents": "write"} if path.name == "release.yml" else {"contents": "read"}
    assert permissions == expected


def test_validate_runs_hassfest_and_the_hacs_action_for_an_integration() -> None:
    steps = list(_steps(_workflow("validate.yml")))
    uses = {step["uses"]: step for step in steps if "uses" in step}
    assert "home-assistant/actions/hassfest@master" in uses
    assert uses["hacs/action@main"]["with"] == {"category": "integration"}


def test_validate_runs_daily_as_hacs_and_home_assistant_change() -> None:
    triggers = _triggers(_workflow("validate.yml"))
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    assert triggers["schedule"][0]["cron"]


def test_tests_workflow_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^scripts/test\b", readme, re.M), "the README no longer says scripts/test"
    runs = [step.get("run") for step in _steps(_workflow("tests.yml"))]
    assert "scripts/test" in runs


def test_tests_workflow_uses_a_python_scripts_setup_accepts() -> None:
    versions = [
        step["with"]["python-version"]
        for step in _steps(_workflow("tests.yml"))
        if step.get("uses", "").startswith("actions/setup-python@")
    ]
    assert versions
    assert set(versions) == {"3.14"}


def test_release_runs_when_a_release_is_published() -> None:
    assert _triggers(_workflow("release.yml")) == {"release": {"types": ["published"]}}


def test_release_uploads_the_file_hacs_downloads() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert hacs["zip_release"] is True
    assert hacs["filename"] == f"{INTEGRATION.name}.zip"
    script = "\n".join(step.get("run", "") for step in _steps(_workflow("release.yml")))
    assert ".github/scripts/release_zip.py" in script
    assert "gh release upload" in script


# ------------------------------------------------------------------- release zip


def _release_zip(tmp_path: Path, tag: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RELEASE_ZIP), "--tag", tag, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_release_zip_holds_the_integration_at_its_root(tmp_path: Path) -> None:
    version = json.loads((INTEGRATION / "manifest.json").read_text())["version"]

    result = _release_zip(tmp_path, f"v{version}")

    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "powerwall_gateway.zip") as archive:
        names = set(archive.namelist())
        # What HACS does with it: extract into custom_components/<domain>/.
        archive.extractall(tmp_path / "custom_components" / "powerwall_gateway")
    assert names == _integration_files()
    installed = tmp_path / "custom_components" / "powerwall_gateway"
    assert json.loads((installed / "manifest.json").read_text())["version"] == version
    assert (installed / "translations" / "de.json").is_file()
    assert (installed / "brand" / "icon.png").is_file()


def test_release_zip_refuses_a_tag_that_is_not_the_manifest_version(tmp_path: Path) -> None:
    result = _release_zip(tmp_path, "v999.0.0")

    assert result.returncode == 1
    assert "is not manifest.json's version" in result.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------- issue forms

FORM_TYPES = {"markdown", "textarea", "input", "dropdown", "checkboxes"}


def test_issue_templates_found() -> None:
    assert sorted(path.name for path in ISSUE_TEMPLATES.iterdir()) == [
        "bug_report.yml",
        "config.yml",
    ]


def test_bug_report_form_is_well_formed() -> None:
    form = _load(ISSUE_TEMPLATES / "bug_report.yml")
    assert isinstance(form.get("name"), str)
    assert isinstance(form.get("description"), str)
    assert isinstance(form.get("body"), list)
    ids = []
    for element in form["body"]:
        assert element.get("type") in FORM_TYPES, element
        attributes = element.get("attributes", {})
        if element["type"] == "markdown":
            assert attributes.get("value")
            continue
        ids.append(element.get("id"))
        assert attributes.get("label"), element
        if element["type"] == "dropdown":
            assert attributes.get("options"), element
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z0-9_-]+", i) for i in ids), ids
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "field", ["problem", "diagnostics", "gateway_firmware", "home_assistant_version"]
)
def test_bug_report_requires(field: str) -> None:
    form = _load(ISSUE_TEMPLATES / "bug_report.yml")
    elements = {element.get("id"): element for element in form["body"]}
    assert field in elements
    assert elements[field].get("validations", {}).get("required") is True


def test_bug_report_tells_how_to_download_the_diagnostics() -> None:
    form = _load(ISSUE_TEMPLATES / "bug_report.yml")
    diagnostics = next(e for e in form["body"] if e.get("id") == "diagnostics")
    assert "Download diagnostics" in diagnostics["attributes"]["description"]


def test_issue_template_config_is_well_formed() -> None:
    config = _load(ISSUE_TEMPLATES / "config.yml")
    assert isinstance(config.get("blank_issues_enabled"), bool)
    for link in config.get("contact_links", []):
        assert set(link) == {"name", "url", "about"}, link
        assert link["url"].startswith("https://"), link


# ------------------------------------------------ Home Assistant releases CI runs

CI_RUN = ROOT / ".ci" / "run"
NOT_TESTED = (
    "2026-11-29 17:05:47.993+00:00 WARNING (SyncWorker_0) [homeassistant.loader] We found a "
    "custom integration powerwall_gateway which has not been tested by Home Assistant. This "
    "component might cause stability problems, be sure to disable it if you experience issues "
    "with Home Assistant"
)
SET_UP = (
    "2026-11-29 17:05:49.100+00:00 INFO (MainThread) [homeassistant.setup] "
    "Setting up powerwall_gateway"
)
UNRELATED = [
    (
        "2026-11-29 17:05:51.314+00:00 ERROR (MainThread) [haffmpeg.core] FFmpeg fails "
        "[Errno 2] No such file or directory: 'ffmpeg'"
    ),
    (
        "2026-11-29 17:05:52.006+00:00 ERROR (ImportExecutor_0) "
        "[homeassistant.components.camera.img_util] Error loading libturbojpeg"
    ),
    (
        "2026-11-29 17:05:52.100+00:00 WARNING (MainThread) [homeassistant.helpers.frame] "
        "Detected that integration 'other' uses a deprecated helper"
    ),
]
OUR_DEBUG = (
    "2026-11-29 17:05:53.000+00:00 DEBUG (MainThread) [custom_components.powerwall_gateway."
    'coordinator] /api/powerwalls: {"message": "the deprecated field was dropped"}'
)


def _check_log(tmp_path: Path, *lines: str) -> subprocess.CompletedProcess[str]:
    log = tmp_path / "home-assistant.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return subprocess.run(
        ["bash", str(CI_RUN), "check-log", str(log)], capture_output=True, text=True, check=False
    )


def test_log_check_passes_home_assistants_own_warnings(tmp_path: Path) -> None:
    result = _check_log(tmp_path, NOT_TESTED, SET_UP, *UNRELATED, OUR_DEBUG)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    "problem",
    [
        pytest.param(
            "2026-11-29 17:06:00.000+00:00 WARNING (MainThread) "
            "[custom_components.powerwall_gateway.coordinator] Lost contact with the gateway",
            id="our-warning",
        ),
        pytest.param(
            "2026-11-29 17:06:00.000+00:00 ERROR (MainThread) [homeassistant.config_entries] "
            "Error setting up entry Backup Gateway\nTraceback (most recent call last):\n"
            '  File "/src/custom_components/powerwall_gateway/__init__.py", line 40, in setup\n'
            "TypeError: boom",
            id="traceback-through-our-code",
        ),
        pytest.param(
            "2026-11-29 17:06:00.000+00:00 WARNING (ImportExecutor_0) [py.warnings] "
            "/src/custom_components/powerwall_gateway/sensor.py:12: DeprecationWarning: old",
            id="python-deprecation-warning",
        ),
        pytest.param(
            "2026-11-29 17:06:00.000+00:00 WARNING (MainThread) [homeassistant.helpers.frame] "
            "Detected that custom integration 'powerwall_gateway' calls a deprecated helper. "
            "This will stop working in Home Assistant 2027.6",
            id="home-assistant-deprecation-report",
        ),
        pytest.param(
            "2026-11-29 17:06:00.000+00:00 INFO (MainThread) [homeassistant.loader] "
            "powerwall_gateway uses a deprecated manifest key",
            id="deprecation-at-info",
        ),
    ],
)
def test_log_check_fails_on_a_problem_of_ours(tmp_path: Path, problem: str) -> None:
    result = _check_log(tmp_path, NOT_TESTED, SET_UP, *UNRELATED, problem, OUR_DEBUG)

    assert result.returncode == 1
    # The record is shown, traceback and all, so CI's output says what went wrong.
    assert problem in result.stderr
    assert "FFmpeg" not in result.stderr


def test_log_check_fails_when_the_integration_never_loaded(tmp_path: Path) -> None:
    result = _check_log(tmp_path, *UNRELATED)

    assert result.returncode == 1
    assert "never mentions powerwall_gateway" in result.stderr


def test_ci_checks_the_pinned_and_the_newest_home_assistant() -> None:
    job = _workflow("tests.yml")["jobs"]["home-assistant"]
    assert job["strategy"]["matrix"]["release"] == ["pinned", "newest"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert ".ci/run e2e ${{ matrix.release }}" in runs
    script = CI_RUN.read_text(encoding="utf-8")
    assert "e2e pinned" in script
    assert "e2e newest" in script


def test_hacs_minimum_is_the_home_assistant_release_ci_tests() -> None:
    """CI runs the pinned release and the newest; the lower one is the minimum we can vouch for."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pinned = re.search(r'"homeassistant==([\d.]+)"', pyproject)
    assert pinned is not None
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert hacs["homeassistant"] == pinned.group(1)


# ----------------------------------------------------------- repository scripts

SHELL_SCRIPTS = sorted(
    [path for path in (ROOT / "scripts").iterdir() if path.is_file() and not path.suffix] + [CI_RUN]
)


@pytest.mark.parametrize("path", SHELL_SCRIPTS, ids=lambda path: path.name)
def test_shell_script_is_executable_and_parses(path: Path) -> None:
    assert os.access(path, os.X_OK)
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
