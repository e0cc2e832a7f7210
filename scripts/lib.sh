# Shared by scripts/run and scripts/test: find Swift, install missing Debian packages.

# Installs the Debian packages given as arguments that are not installed yet.
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    }
}

# Puts a Swift 6 toolchain on PATH or explains where to get one (not a Debian package on bookworm).
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
            [ -x "$d/swift" ] && export PATH="$d:$PATH" && break
        done
    fi
    command -v swift >/dev/null 2>&1 || {
        echo "error: no Swift toolchain found; install Swift 6 (swift.org) under /opt/swift" >&2
        exit 1
    }
}

# Build dependencies of every target.
BUILD_PACKAGES=(pkg-config gcc libc6-dev libsystemd-dev libsqlite3-dev libcurl4-openssl-dev libpq-dev librabbitmq-dev zlib1g-dev)
