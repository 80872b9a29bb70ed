#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is needed, then runs
# every Bazel test in the default build and under AddressSanitizer and
# UndefinedBehaviorSanitizer. Ends with "N passed, N failed", counted from
# Bazel's per-target results (one per test target and configuration).
set -uo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh || exit 1

passed=0
failed=0
status=0
for config in default asan ubsan; do
  flags=()
  [[ $config != default ]] && flags=(--config="$config")
  echo "=== bazel test ${flags[*]} //... ==="
  log=$(mktemp)
  bazel test --noshow_progress "${flags[@]}" //... 2>&1 | tee "$log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  # Summary lines look like "//tests/x:y_test   (cached) PASSED in 0.1s".
  p=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
  f=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|FLAKY|INCOMPLETE)' "$log")
  rm -f "$log"
  if ((p + f == 0)); then
    echo "run_tests: no test results for config $config"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
done
((failed > 0)) && status=1
echo "${passed} passed, ${failed} failed"
exit "$status"
