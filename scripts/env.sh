# shellcheck shell=bash
# Shared environment for Kodo's scripts. Source it from bash:
#
#   source scripts/env.sh
#
# It sets:
#   KODO_REPO_DIR     the repository root (the cargo-leptos workspace)
#   CARGO_TARGET_DIR  kept when set. Otherwise /work/target when that directory
#                     exists, else ~/.cache/kodo-target. A build directory
#                     outside the clone lets fresh clones (CI) reuse compiled
#                     dependencies.
#   PATH              with tools/node_modules/.bin (wasm-opt 132 and sass from
#                     npm) first, so cargo-leptos takes those over any older
#                     system copies, then Cargo's bin directory.
# and defines kodo_bin and kodo_site_root, which print where the release build
# put the server binary and the site files, and kodo_load_dotenv, which
# exports the settings in .env.
#
# It does not change shell options, so an interactive shell can source it too.

KODO_REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KODO_REPO_DIR

if [[ -z "${CARGO_TARGET_DIR:-}" ]]; then
    if [[ -d /work/target ]]; then
        CARGO_TARGET_DIR=/work/target
    else
        CARGO_TARGET_DIR="$HOME/.cache/kodo-target"
    fi
fi
export CARGO_TARGET_DIR

case ":$PATH:" in
    *":$KODO_REPO_DIR/tools/node_modules/.bin:"*) ;;
    *) PATH="$KODO_REPO_DIR/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" ;;
esac
export PATH

# Prints the path of the release server binary.
kodo_bin() {
    printf '%s\n' "$CARGO_TARGET_DIR/release/kodo"
}

# Prints the site root of the last release build: the directory with pkg/kodo.js.
# cargo-leptos resolves the relative site-root "target/site" from Cargo.toml
# against the workspace root, also when CARGO_TARGET_DIR points elsewhere, and
# a LEPTOS_SITE_ROOT in the environment overrides it. The CARGO_TARGET_DIR/site
# candidate covers a site-root that starts with the CARGO_TARGET_DIR marker.
# Returns 1 when no candidate contains pkg/kodo.js.
kodo_site_root() {
    local candidate
    for candidate in ${LEPTOS_SITE_ROOT:+"$LEPTOS_SITE_ROOT"} \
        "$KODO_REPO_DIR/target/site" "$CARGO_TARGET_DIR/site"; do
        if [[ -f "$candidate/pkg/kodo.js" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

# Exports each KEY=VALUE line of .env in the current directory whose KEY is
# not set yet. Accepts comments, blank lines, an "export " prefix and values
# in matching quotes.
kodo_load_dotenv() {
    [[ -f .env ]] || return 0
    local line key value
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line#"${line%%[![:space:]]*}"}"
        [[ -z "$line" || "$line" == \#* ]] && continue
        line="${line#export }"
        key="${line%%=*}"
        value="${line#*=}"
        [[ "$line" == *=* && "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || {
            printf 'warning: ignoring a line of .env that is not KEY=VALUE: %s\n' "$line" >&2
            continue
        }
        if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then
            value="${BASH_REMATCH[1]}"
        fi
        [[ -n "${!key+set}" ]] || export "$key=$value"
    done <.env
}
