#!/bin/bash
# Runs CLI commands and the HTTP read endpoints with two socai binaries on copies of the same
# stores (built once by OLD, so chain hashes match) on the shipped fixtures, and reports every
# byte difference. Exit status 1 if any output differs.
#
#   scripts/same-outputs.sh OLD_SOCAI NEW_SOCAI
#
# e.g. OLD from `git archive 6623bf2 | tar -x -C /tmp/old && cargo build` there.
set -u
OLD=$(realpath "$1"); NEW=$(realpath "$2")
FX=$(cd "$(dirname "$0")/../replay-fixtures" && pwd)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
W=$TMP/cli; mkdir -p $W
# One store: plan table, the Lùng Phình events, the corrections batches.
$OLD --db $W/base import-plan $FX/plan-2025/plan.csv > /dev/null
$OLD --db $W/base import $FX/plan-2025/disbursements.jsonl > /dev/null
$OLD --db $W/lp import $FX/lung-phinh-2025/events.jsonl > /dev/null
for f in $FX/corrections/0[1-4]*.jsonl; do $OLD --db $W/corr import $f > /dev/null; done
fail=0
run() { # name store args...
  local name=$1 store=$2; shift 2
  for b in old new; do
    rm -rf $W/$b-$store; cp -r $W/$store $W/$b-$store
    local bin=$OLD; [ $b = new ] && bin=$NEW
    rm -f $W/out.svg $W/out.xlsx
    (cd $W && $bin --db $W/$b-$store "$@" > $W/$name.$b.out 2> $W/$name.$b.err; echo "exit $?" >> $W/$name.$b.out)
    for f in $W/out.svg $W/out.xlsx; do [ -e $f ] && cat $f >> $W/$name.$b.out; done
    sed -i "s#$W/$b-$store#STORE#g" $W/$name.$b.out $W/$name.$b.err
  done
  if cmp -s $W/$name.old.out $W/$name.new.out && cmp -s $W/$name.old.err $W/$name.new.err; then
    echo "same  $name ($(wc -c < $W/$name.new.out) bytes)"
  else echo "DIFF  $name"; fail=1; fi
}
for s in base lp corr; do
  run bal-$s $s balance --as-of 2025-12-31
  run baljson-$s $s balance --as-of 2025-06-30 --json
  run balk-$s $s balance --as-of 2025-12-31 --known-at 3
  run sum-$s $s summary --as-of 2025-11-20 --plan-year 2025
  for fmt in text md html json csv; do for lang in vi en; do
    run rep-$s-$fmt-$lang $s report --as-of 2025-11-20 --plan-year 2025 --format $fmt --lang $lang
  done; done
  run rep-$s-xlsx $s report --as-of 2025-11-20 --plan-year 2025 --format xlsx --out out.xlsx
  run rep-$s-ty $s report --as-of 2025-11-20 --plan-year 2025 --unit ty
  run rep-$s-dong $s report --as-of 2025-11-20 --plan-year 2025 --unit dong --format csv
  run diff-$s $s diff --as-of 2025-12-31 --known-at 2 --vs 20 --plan-year 2025
  run diffj-$s $s diff --as-of 2025-12-31 --known-at 5 --vs 25 --json
  for fmt in jsonl hledger beancount csv; do run exp-$s-$fmt $s export --format $fmt; done
  run expk-$s $s export --format hledger --known-at 10
  run verify-$s $s verify
  for k in s-curve rates; do for lang in vi en; do
    run chart-$s-$k-$lang $s chart $k --plan-year 2025 --as-of 2025-11-20 --lang $lang --out out.svg
  done; done
done
run rec-lp lp reconcile --as-of 2025-11-20 --plan-year 2025 $FX/lung-phinh-2025/claims.json
run recj-lp lp reconcile --as-of 2025-11-20 --plan-year 2025 --json $FX/lung-phinh-2025/claims.json
L=$(head -c 2000 $FX/lung-phinh-2025/events.jsonl | grep -o '"line":"[^"]*"' | head -1 | cut -d'"' -f4)
run trail-lp lp trail "$L" --as-of 2025-12-31
run trailj-lp lp trail "$L" --json
for d in $FX/*/; do [ -f $d/fixture.json ] && run replay-$(basename $d) base replay $d; done
# Refusals: a plan row already imported, a bad event.
run replan-base base import-plan $FX/plan-2025/plan.csv
run reimp-lp lp import $FX/lung-phinh-2025/events.jsonl
run refused-corr corr import $FX/corrections/05-refused-backdated-reduce.jsonl
STORE=$TMP/cli/lp; W=$TMP/http; mkdir -p $W
L=$(grep -o '"line":"[^"]*"' $FX/lung-phinh-2025/events.jsonl | head -1 | cut -d'"' -f4)
LE=$(python3 -c "import urllib.parse,sys;print(urllib.parse.quote(sys.argv[1],safe=''))" "$L")
port=${SOCAI_COMPARE_PORT:-18731}
for b in old new; do
  cp -r $STORE $W/$b-store; bin=$OLD; [ $b = new ] && bin=$NEW
  $bin --db $W/$b-store serve --listen 127.0.0.1:$port > $W/$b.serve.out 2> $W/$b.serve.err &
  pid=$!; for i in $(seq 50); do grep -qs listening $W/$b.serve.out && break; sleep 0.2; done
  n=0
  for path in "/v1/events?after=0&limit=5" "/v1/balances?as_of=2025-11-20" "/v1/balances?as_of=2025-11-20&known_at=100" \
    "/v1/lines/$LE/trail?as_of=2025-12-31" "/v1/reports/summary?as_of=2025-11-20&plan_year=2025" \
    "/v1/reports/section-ii?as_of=2025-11-20&plan_year=2025&format=json" "/v1/reports/section-ii?as_of=2025-11-20&plan_year=2025&format=html&lang=en" \
    "/v1/reports/section-ii?as_of=2025-11-20&plan_year=2025&format=md" "/v1/reports/section-ii?as_of=2025-11-20&plan_year=2025&format=csv" \
    "/v1/reports/diff?as_of=2025-12-31&known_at=10&vs=200&plan_year=2025" "/v1/reports/diff?as_of=2025-12-31&known_at=10&vs=200&format=json" \
    "/v1/verify" "/healthz" "/" "/?plan_year=2025&as_of=2025-11-20&lang=en"; do
    n=$((n+1)); curl -s -o $W/$b.$n.body -w "%{http_code}\n" "http://127.0.0.1:$port$path" > $W/$b.$n.code
    echo "$path" > $W/$n.path
  done
  kill $pid; wait $pid 2>/dev/null
  rm -rf $W/$b-store
done
for i in $(seq $n); do
  # The dashboard's forms carry a fresh random id per page.
  sed -i -E 's/name="id" value="[0-9a-f-]{36}"/name="id" value="ID"/g' $W/old.$i.body $W/new.$i.body
  if cmp -s $W/old.$i.body $W/new.$i.body && cmp -s $W/old.$i.code $W/new.$i.code; then echo "same  http $(cat $W/new.$i.code) $(wc -c < $W/new.$i.body) bytes $(cat $W/$i.path)"; else echo "DIFF  http $(cat $W/$i.path)"; fail=1; fi
done
exit $fail
