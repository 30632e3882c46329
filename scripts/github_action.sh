#!/usr/bin/env bash
# The validation step of action.yml: options come from the environment (never interpolated into
# the script, so a hostile input cannot inject commands).
#   github_action.sh github           annotations; exit code of `ccstd validate`
#   github_action.sh sarif FILE       write a SARIF report; exit 0 on findings, 2 if the run failed
set -uo pipefail
format="$1"
set -f  # paths are taken literally: no glob expansion
read -r -d '' -a paths <<<"${CCSTD_PATHS:-.}"
args=(validate --fail-on "${CCSTD_FAIL_ON:-error}")
[ -n "${CCSTD_STANDARD:-}" ] && args+=(--standard "$CCSTD_STANDARD")
[ "${CCSTD_CHECK_REFERENCES:-true}" = "true" ] && args+=(--check-references)
[ -n "${CCSTD_BASELINE:-}" ] && args+=(--baseline "$CCSTD_BASELINE")
if [ "$format" = "github" ]; then
  exec ccstd "${args[@]}" --format github -- "${paths[@]}"
fi
ccstd "${args[@]}" --quiet --format sarif --output "$2" -- "${paths[@]}"
status=$?
[ "$status" -eq 1 ] && status=0  # findings are the SARIF's content, not a failure of this step
exit "$status"
