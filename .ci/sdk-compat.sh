#!/usr/bin/env bash
# The packed package on the oldest @aws-sdk/client-sqs its peer range admits and on the newest
# release: each in a scratch app that installs the tarball from scratch, type-checks a use of the
# app's own SQSClient with the package under strict settings, then runs test/packaging/sdk-smoke.mjs
# (send, receive with system attributes, heartbeat, batched acks, nacks, FIFO) against fauxqs.
# Needs a built dist/ (npm run build) and the npm registry; nothing else from the network.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

# The floor comes from package.json itself, so the range and what CI proves cannot drift apart.
range=$(node -p "require('./package.json').peerDependencies['@aws-sdk/client-sqs']")
oldest=${range#^}
if [[ ! $oldest =~ ^3\.[0-9]+\.[0-9]+$ ]]; then
  echo "sdk-compat: expected the peer range of @aws-sdk/client-sqs to be ^3.x.y, got '$range'" >&2
  exit 1
fi
newest=$(npm view @aws-sdk/client-sqs@latest version)

work=$(mktemp -d "${TMPDIR:-/tmp}/sdk-compat.XXXXXX")
fauxqs_pid=
cleanup() {
  if [[ -n $fauxqs_pid ]]; then kill "$fauxqs_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

[[ -f dist/index.js ]] || { echo "sdk-compat: dist/ is missing: run npm run build first" >&2; exit 1; }
tarball="$work/$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"

# fauxqs from this repository's devDependencies, on a free port; the address goes to a file.
cat >"$work/fauxqs.mjs" <<EOF
import { writeFileSync } from 'node:fs';
import { startFauxqs } from '$repo/node_modules/fauxqs/dist/app.js';
const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
writeFileSync('$work/endpoint', server.address);
EOF
node "$work/fauxqs.mjs" &
fauxqs_pid=$!
for _ in $(seq 100); do [[ -s $work/endpoint ]] && break; sleep 0.1; done
[[ -s $work/endpoint ]] || { echo "sdk-compat: fauxqs did not start" >&2; exit 1; }
endpoint=$(cat "$work/endpoint")

check() {
  local version=$1 app="$work/app-$1"
  echo "sdk-compat: @aws-sdk/client-sqs@$version"
  mkdir -p "$app"
  (
    cd "$app"
    echo '{ "name": "sdk-compat-app", "private": true, "type": "module" }' >package.json
    # --strict-peer-deps: a version outside the peer range fails here, loudly.
    npm install --silent --no-audit --no-fund --prefer-offline --strict-peer-deps \
      "$tarball" "@aws-sdk/client-sqs@$version"
    installed=$(node -p "require('@aws-sdk/client-sqs/package.json').version" 2>/dev/null ||
      node -p "JSON.parse(require('fs').readFileSync('node_modules/@aws-sdk/client-sqs/package.json')).version")
    [[ $installed == "$version" ]] || { echo "installed client-sqs $installed, not $version" >&2; exit 1; }
    # One copy of the SDK: the library must use the app's, not a nested one of its own.
    if [[ -d node_modules/sqs-fargate-listener/node_modules/@aws-sdk ]]; then
      echo "sdk-compat: the package installed its own @aws-sdk copy" >&2
      exit 1
    fi
    # The app's SQSClient is accepted by the package's types, checked with the library's
    # declarations included (skipLibCheck off) and the strictest optional-property rule. The
    # compiler and @types/node are this repository's: modules resolve from the app's files.
    cat >tsconfig.json <<EOF
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "strict": true,
  "exactOptionalPropertyTypes": true, "skipLibCheck": false, "noEmit": true,
  "lib": ["ES2023", "DOM"], "types": ["node"], "typeRoots": ["$repo/node_modules/@types"] },
  "files": ["client.ts"] }
EOF
    cat >client.ts <<'EOF'
import { SQSClient } from '@aws-sdk/client-sqs';
import { sendMessage, sqsMessages } from 'sqs-fargate-listener';
const client = new SQSClient({});
const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
await sendMessage(client, url, 'hello');
for await (const message of sqsMessages(url, { client })) await message.ack();
EOF
    node "$repo/node_modules/typescript/bin/tsc" -p tsconfig.json
    cp "$repo/test/packaging/sdk-smoke.mjs" .
    SMOKE_SQS_ENDPOINT=$endpoint node sdk-smoke.mjs
  )
}

# Both versions at once (each in its own app and queues), each logged to a file shown at the end.
versions=("$oldest")
[[ $newest == "$oldest" ]] || versions+=("$newest")
pids=()
for version in "${versions[@]}"; do
  check "$version" >"$work/log-$version" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!versions[@]}"; do
  if ! wait "${pids[$i]}"; then failed=1; fi
  cat "$work/log-${versions[$i]}"
done
if ((failed)); then
  echo "sdk-compat: FAILED (see above)" >&2
  exit 1
fi
echo "sdk-compat: OK on @aws-sdk/client-sqs ${versions[*]}"
