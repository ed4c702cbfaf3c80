#!/usr/bin/env bash
# Refresh the README's pictures (docs/*.png) from the app in a real Chromium: the browser tests that
# take them, with their screenshots pointed at docs/. The test suite itself saves them under
# artifacts/screenshots/ (ignored), so a test run never changes a tracked file.
set -euo pipefail
cd "$(dirname "$0")/.."
ALLIANCE_SCREENSHOTS="$PWD/docs" python -m pytest -q \
  tests/e2e/test_browser_explorer.py::test_on_a_phone_the_levers_come_first_the_headlines_are_a_grid_and_the_tree_a_list \
  tests/e2e/test_browser_explorer.py::test_the_headlines_are_whole_at_1280px_and_the_brief_prints_on_one_page \
  tests/e2e/test_browser_history.py \
  tests/e2e/test_workshop_live.py \
  tests/e2e/test_workshop_class.py
git status --short docs/
