# Sourced by the benchmarks that measure against the shared kit: sets SHARED
# (the kit, ../shared/bench beside this repository unless given) and WSBENCH
# (its load client and servers, built there as its README says when missing).
SHARED=${SHARED:-../shared/bench}
WSBENCH=${WSBENCH:-$SHARED/target/release/wsbench}
if [ ! -x "$WSBENCH" ]; then
    [ -f "$SHARED/Cargo.toml" ] || { echo "no benchmark kit at $SHARED (set SHARED or WSBENCH)" >&2; exit 1; }
    echo "building wsbench in $SHARED" >&2
    (cd "$SHARED" && cargo build --release --quiet) || exit 1
fi
