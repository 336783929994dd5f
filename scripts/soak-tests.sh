#!/usr/bin/env bash
# The suite under load: five consecutive `npm test` runs, each timed, while a second `npm test`
# runs beside them over and over in the same checkout (as on a 2-core machine someone else is
# using). Prints each run's time and result; exits 1 if any run failed, measured or beside.
#
#   scripts/soak-tests.sh            # five measured runs
#   SOAK_RUNS=2 scripts/soak-tests.sh
#
# Logs stay in a temporary folder, named at the start and the end.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${SOAK_RUNS:-5}
logs=$(mktemp -d "${TMPDIR:-/tmp}/soak-tests.XXXXXX")
done_flag="$logs/measured-runs-done"

seconds_since() { echo "$(( $(date +%s) - $1 ))"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "soak: $runs measured runs of npm test, each beside another npm test; $(nproc) CPUs, load $(load); logs in $logs"

# The load beside: npm test again and again, in a process group of its own so that the run still
# going when the measured ones are done can be stopped whole.
setsid bash -c '
  logs=$1; done_flag=$2; i=0
  while [ ! -e "$done_flag" ]; do
    i=$((i + 1)); start=$(date +%s)
    if npm test >"$logs/beside-$i.log" 2>&1; then result=PASS; else result=FAIL; fi
    echo "beside $i: $result in $(( $(date +%s) - start )) s" >>"$logs/beside.txt"
  done
' soak-beside "$logs" "$done_flag" &
beside=$!

failed=0
times=()
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if npm test >"$logs/run-$i.log" 2>&1; then result=PASS; else result=FAIL; failed=$((failed + 1)); fi
  took=$(seconds_since "$start")
  times+=("$took")
  echo "run $i: $result in $took s (load $(load))"
  [ "$result" = FAIL ] && grep -E '^ (FAIL|×)|Test Files|Tests  ' "$logs/run-$i.log" | head -n 20 | sed 's/^/    /'
done

touch "$done_flag"
# The run beside is cut short where it is: its whole process group goes.
kill -TERM -- "-$beside" 2>/dev/null
wait "$beside" 2>/dev/null
sleep 1
kill -KILL -- "-$beside" 2>/dev/null

touch "$logs/beside.txt"
# The run that was going on when the measured runs ended never wrote its line.
for log in "$logs"/beside-*.log; do
  n=${log##*/beside-}; n=${n%.log}
  grep -q "^beside $n:" "$logs/beside.txt" || echo "beside $n: cut short when the measured runs ended" >>"$logs/beside.txt"
done
sort -k2 -n "$logs/beside.txt" | sed 's/^/  /'
beside_failed=$(grep -c ': FAIL' "$logs/beside.txt")

sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
echo "soak: $((runs - failed))/$runs measured runs passed (seconds, sorted: $sorted); runs beside that failed: $beside_failed; logs in $logs"
[ "$failed" -eq 0 ] && [ "$beside_failed" -eq 0 ]
