"""Without Node or Chromium the end-to-end tests are skipped with the reason, unless REQUIRE_E2E
is set (CI), where they fail. Runs pytest in a subprocess with Chromium pointed nowhere."""

import os
import subprocess
import sys

from tests.support.processes import BASE_DIR


def run_e2e_without_chromium(**extra_env):
    env = {k: v for k, v in os.environ.items() if k != "REQUIRE_E2E"}
    env.update(E2E_CHROMIUM="/nonexistent/chromium", **extra_env)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/e2e/test_provider_rules.py",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_missing_chromium_skips_the_end_to_end_tests_saying_why():
    result = run_e2e_without_chromium()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "Chromium at /nonexistent/chromium" in result.stdout


def test_missing_chromium_fails_them_when_required():
    result = run_e2e_without_chromium(REQUIRE_E2E="1")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "REQUIRE_E2E is set" in result.stdout
