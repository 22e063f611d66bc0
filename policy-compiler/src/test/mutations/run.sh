#!/usr/bin/env bash
# Mutation check of CompiledMatchesReferenceTest: a manual check, not part of `mvn verify`.
#
# Usage: policy-compiler/src/test/mutations/run.sh        (from anywhere inside the repository)
#
# For each *.patch in this directory (a unified diff against policy-compiler/src/main, made with
# `git diff` while the bug was applied) it:
#   1. applies the patch to the working tree with `git apply`,
#   2. runs `mvn -B -q -pl policy-compiler test -Dtest=CompiledMatchesReferenceTest`,
#   3. expects that test to FAIL (the mutant is killed) and prints the failing seed with its
#      reproduce command,
#   4. reverts the patch with `git apply -R` (from a trap, so it happens on failure or Ctrl-C too).
# A build that fails without a failing test (say a compile error) counts as an error, not a kill.
#
# The whole run holds the shared Maven lock (/tmp/tollgate-mvn.lock, or $TOLLGATE_MVN_LOCK), so no
# other locked build can compile the main code while a mutant is applied. Only the patched file
# is touched; the patch must apply cleanly to the current working tree (checked first).
# Logs: policy-compiler/target/mutations/<patch>.log
#
# Exit status: 0 every mutant killed; 1 some mutant survived; 2 a patch did not apply, a build
# broke for another reason, or a revert failed.
set -euo pipefail

lock=${TOLLGATE_MVN_LOCK:-/tmp/tollgate-mvn.lock}
if [[ -z ${TOLLGATE_MUTATIONS_LOCKED:-} ]]; then
  export TOLLGATE_MUTATIONS_LOCKED=1
  exec flock "$lock" "$0" "$@"
fi

cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
dir=policy-compiler/src/test/mutations
logs=policy-compiler/target/mutations
mkdir -p "$logs"

applied=""
revert() {
  if [[ -n $applied ]]; then
    if git apply -R "$applied"; then
      echo "  reverted $applied"
      applied=""
    else
      echo "REVERT FAILED for $applied: restore $(grep -m1 '^+++ b/' "$applied" | cut -c7-) by hand" >&2
      exit 2
    fi
  fi
}
trap revert EXIT
trap 'exit 130' INT TERM

status=0
shopt -s nullglob
patches=("$dir"/*.patch)
if (( ${#patches[@]} == 0 )); then
  echo "no patches in $dir" >&2
  exit 2
fi
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  log=$logs/$name.log
  echo "== $name"
  if ! git apply --check "$patch"; then
    echo "  $patch does not apply to the working tree" >&2
    exit 2
  fi
  git apply "$patch"
  applied=$patch
  if mvn -B -q -pl policy-compiler test -Dtest=CompiledMatchesReferenceTest >"$log" 2>&1; then
    echo "  SURVIVED: CompiledMatchesReferenceTest passed with $name applied (log: $log)"
    status=1
  elif grep -q 'Tests run: .*Failures: [1-9]' "$log"; then
    echo "  killed: $(grep -m1 'Tests run: .*Failures: [1-9]' "$log")"
    echo "  first failure: $(grep -m1 '^\[seed=' "$log" | cut -c2-)"
  else
    echo "  ERROR: the build failed without a failing test (log: $log)" >&2
    tail -20 "$log" >&2
    revert
    exit 2
  fi
  revert
done
if (( status == 0 )); then
  echo "all ${#patches[@]} mutants killed"
else
  echo "some mutants survived"
fi
exit $status
