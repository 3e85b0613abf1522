#!/usr/bin/env bash
# The mixed-language fleet (issue 17's "done when"): 3 Python, 3 Node and 2
# Kotlin processes, 50 concurrent callers each, sharing one token through a
# real Redis (scripts/with-redis.sh) from the local authorization server:
# 1 token request at cold start and 1 per refresh of a 5-second token, every
# process serving the same tokens in the same order (each language opens the
# entries the others sealed); and the same fleet without a store, the
# baseline (8 per refresh). bindings-uniffi/python/tests/test_fleet_mixed.py.
#
# Each worker runs from its language's packed artifact, as scripts/test.sh
# leaves them: the wheel in target/python/test-venv (test-python.sh), the npm
# tarball installed in target/npm/scratch (test-npm.sh), the jar and its
# runtime classpath behind target/kotlin/fleet-worker.sh (test-kotlin.sh).
# A missing one is made by running that script first.
source "$(dirname "$0")/lib.sh"
venv="$ROOT/target/python/test-venv"
node_worker="$ROOT/target/npm/scratch/fleet-worker.mjs"
kotlin_worker="$ROOT/target/kotlin/fleet-worker.sh"
[ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import ccauth, redis' 2>/dev/null || bash "$ROOT/scripts/test-python.sh"
[ -f "$node_worker" ] || bash "$ROOT/scripts/test-npm.sh"
[ -x "$kotlin_worker" ] || bash "$ROOT/scripts/test-kotlin.sh"
export CCAUTH_FLEET_REQUIRE=1
CCAUTH_FLEET_WORKERS=$(python3 -c 'import json, sys; print(json.dumps({"node": ["node", sys.argv[1]], "kotlin": ["bash", sys.argv[2]]}))' \
  "$node_worker" "$kotlin_worker")
export CCAUTH_FLEET_WORKERS
say "fleet: 3 Python + 3 Node + 2 Kotlin processes x 50 callers on one Redis (with and without the store)"
cd "$ROOT/bindings-uniffi/python/tests"
bash "$ROOT/scripts/with-redis.sh" "$ROOT/scripts/with-auth-server.sh" \
  "$venv/bin/python" -m pytest -q -s -p no:cacheprovider test_fleet_mixed.py
