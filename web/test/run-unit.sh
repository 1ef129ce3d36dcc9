#!/usr/bin/env bash
# Compiles the web app's pure modules (web/src/lib, web/src/socket) and their tests with Debian's tsc, then runs
# them with Node's test runner. Needs only the Debian packages node-typescript, node-react and node-react-dom
# (there is no npm registry here): web/node_modules is made of symlinks into /usr/share/nodejs.
#
# With SOCKETIO_URL set (e.g. http://127.0.0.1:3000, the Swift socketio-test-server), the live socket test runs
# too; without it, that test is skipped.
#
# Prints "web: N passed, N failed, N skipped" last; exits non-zero on a compile error or a failed test.
set -euo pipefail

web="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(dirname "$web")"
share=/usr/share/nodejs

tsc_bin="$(command -v tsc || true)"
[ -n "$tsc_bin" ] || tsc_bin="$share/typescript/bin/tsc"
if [ ! -x "$tsc_bin" ] && [ ! -f "$tsc_bin" ]; then
  echo "run-unit: no tsc; apt-get install node-typescript" >&2
  exit 1
fi
command -v node >/dev/null || { echo "run-unit: no node; apt-get install nodejs" >&2; exit 1; }

# web/node_modules (git-ignored): the packages the app and the tests import, from Debian's tree. An existing real
# directory (someone installed packages another way) is left alone.
for name in react react-dom scheduler @types/react @types/react-dom @types/scheduler; do
  target="$share/$name"
  link="$web/node_modules/$name"
  if [ ! -e "$target" ]; then
    echo "run-unit: $target is missing; apt-get install node-react node-react-dom" >&2
    exit 1
  fi
  if [ -L "$link" ] || [ ! -e "$link" ]; then
    mkdir -p "$(dirname "$link")"
    ln -sfn "$target" "$link"
  fi
done

out="$(mktemp -d "${TMPDIR:-/tmp}/parley-web-unit.XXXXXX")"
trap 'rm -rf "$out"' EXIT

# A tsconfig in the temp dir rather than flags: "types": [] keeps tsc from loading every @types package it finds
# (@types/dompurify references @types/trusted-types, which Debian does not ship); skipLibCheck because Debian's
# @types/react imports csstype and prop-types, which are not packaged either; esModuleInterop for the tests'
# default import of node:assert in CommonJS output.
cat >"$out/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "strict": true,
    "target": "ES2020",
    "module": "commonjs",
    "lib": ["ES2020", "DOM"],
    "types": [],
    "skipLibCheck": true,
    "esModuleInterop": true,
    "noEmitOnError": true,
    "rootDir": "$repo",
    "outDir": "$out/js"
  },
  "include": [
    "$web/src/lib/**/*.ts",
    "$web/src/socket/**/*.ts",
    "$web/test/**/*.ts"
  ]
}
EOF

echo "run-unit: compiling with $("$tsc_bin" --version)"
if ! "$tsc_bin" -p "$out/tsconfig.json"; then
  echo "run-unit: compilation failed" >&2
  echo "web: 0 passed, 1 failed"
  exit 1
fi

tests=()
while IFS= read -r file; do tests+=("$file"); done < <(find "$out/js/web/test" -name '*.test.js' | sort)
if [ "${#tests[@]}" -eq 0 ]; then
  echo "run-unit: no compiled tests found" >&2
  exit 1
fi

flags=(--test --test-reporter=tap)
# Node 20 has WebSocket only behind this flag (the test runner passes it on to each test file's process).
if [ -n "${SOCKETIO_URL:-}" ]; then
  flags+=(--experimental-websocket)
  echo "run-unit: live socket test against $SOCKETIO_URL"
fi

log="$out/tap.log"
set +e
# NODE_PATH: react-dom requires react from its real path under /usr/share/nodejs, where Node does not look.
NODE_PATH="$share${NODE_PATH:+:$NODE_PATH}" node "${flags[@]}" "${tests[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

count() { sed -n "s/^# $1 \([0-9][0-9]*\)$/\1/p" "$log" | tail -n 1; }
passed="$(count pass)"
failed="$(count fail)"
skipped="$(count skipped)"
echo "web: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" -ne 0 ] || [ "${failed:-0}" != "0" ] || [ -z "$passed" ]; then
  exit 1
fi
