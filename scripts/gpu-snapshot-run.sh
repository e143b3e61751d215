#!/usr/bin/env bash
#===- scripts/gpu-snapshot-run.sh - a GPU run whose logs survive a cut ----===#
#
#   scripts/gpu-snapshot-run.sh SECONDS CMD...
#
# Run ON the GPU machine. Runs CMD with OUT pointing at a scratch folder and
# packs that folder into $OUT/logs.tgz every 15 s and at the end, so that a
# run stopped by the device's time limit still brings back its logs (the
# device returns at most 8 files; gpu-run.sh writes dozens). CMD is killed
# after SECONDS.
#
#===----------------------------------------------------------------------===#
set -u
limit="$1"
shift
FINAL_OUT="${OUT:?OUT is not set}"
SCRATCH="$(mktemp -d /tmp/awq-snap.XXXXXX)"
pack() { tar czf "$FINAL_OUT/logs.tgz.tmp" -C "$SCRATCH" . 2>/dev/null &&
           mv "$FINAL_OUT/logs.tgz.tmp" "$FINAL_OUT/logs.tgz"; }
( while sleep 15; do pack; done ) &
packer=$!
OUT="$SCRATCH" timeout --kill-after=5 "$limit" "$@" >"$SCRATCH/run.log" 2>&1
rc=$?
kill "$packer" 2>/dev/null
pack
echo "rc=$rc"
tail -60 "$SCRATCH/run.log" | cut -c1-160
exit "$rc"
