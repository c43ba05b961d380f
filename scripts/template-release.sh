#!/usr/bin/env bash
# Proves that a team's own package becomes one static file: copies Examples/Template out of the
# tree, points its swift-socketio dependency at this checkout by path, and builds it with
# scripts/static-release.sh. socketio-server is built in the same scratch folder, through
# scripts/release.sh (its size budget included), as a product of the dependency: the library's
# modules are compiled for release once, for both files.
#
# usage: scripts/template-release.sh DIR
#   DIR/my-app            the copy of Examples/Template (its Package.swift names this checkout)
#   DIR/dist/my-app       the app, static and stripped
#   dist/socketio-server  as scripts/release.sh makes it
# Then: scripts/portability-test.sh --app DIR/dist/my-app --app-static DIR/my-app/static empty
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
[ $# = 1 ] || { echo "usage: scripts/template-release.sh DIR" >&2; exit 64; }
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
# A package's identity is its folder's name, and the template names swift-socketio: a link by
# that name, at a fixed place so that a second run reuses the build (the checkout's own folder
# may be called anything).
BUILD="$ROOT/.build-template"
mkdir -p "$BUILD"
ln -sfn "$ROOT" "$BUILD/swift-socketio"

rm -rf "$DIR/my-app"
cp -R Examples/Template "$DIR/my-app"
rm -rf "$DIR/my-app/.build" "$DIR/my-app/dist"
sed -i "s|^\( *\)\.package(url: \"[^\"]*/swift-socketio\.git\".*)|\1.package(path: \"$BUILD/swift-socketio\")|" "$DIR/my-app/Package.swift"
# Never fall back to the network: the line must have been rewritten.
grep -q "^ *\.package(path: \"$BUILD/swift-socketio\")" "$DIR/my-app/Package.swift" \
  || { echo "template-release.sh: Examples/Template/Package.swift has no swift-socketio URL line to rewrite" >&2; exit 1; }

start=$(date +%s)
./scripts/static-release.sh --package-path "$DIR/my-app" --scratch-path "$BUILD/scratch" --output "$DIR/dist" --product my-app
middle=$(date +%s)
SOCKETIO_RELEASE_PACKAGE="$DIR/my-app" SOCKETIO_RELEASE_SCRATCH="$BUILD/scratch" ./scripts/release.sh socketio-server
end=$(date +%s)
echo "template-release.sh: my-app in $((middle - start)) s (the library's modules with it), then socketio-server in $((end - middle)) s"
