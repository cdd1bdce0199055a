# Used by run-demo.sh on `tail -F a.log b.log` output: print each line with
# the name of the log it came from ("web", "worker", "beat") in front.
/^==> .* <==$/ { name = $2; sub(/.*\//, "", name); sub(/\.log$/, "", name); next }
/^$/ { next }
{ printf "%-6s | %s\n", name, $0; fflush() }
