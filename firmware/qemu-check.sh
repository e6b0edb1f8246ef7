#!/bin/sh
# Run every program that has expected/<name>.txt on QEMU RUNS times (10 by
# default) and compare its console with that file and its exit status with
# expected/<name>.exit (0 if absent).  "{sym}" in an expected file stands for
# the address of symbol sym in the ELF, as print_hex prints it.
fw=$(dirname "$0")
runs=${RUNS:-10}
fail=0
for exp in "$fw"/expected/*.txt; do
	name=$(basename "$exp" .txt)
	elf=$fw/build/$name.elf
	want_rc=0
	[ -f "$fw/expected/$name.exit" ] && want_rc=$(cat "$fw/expected/$name.exit")
	want=$(mktemp)
	cp "$exp" "$want"
	for sym in $(grep -o '{[A-Za-z_][A-Za-z0-9_]*}' "$exp" | tr -d '{}' | sort -u); do
		addr=$(arm-none-eabi-nm "$elf" | awk -v s="$sym" '$3 == s { print $1 }')
		sed -i "s/{$sym}/0x$addr/g" "$want"
	done
	got=$(mktemp)
	ok=0
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		set +e
		timeout 20 "$fw/qemu-run.sh" "$elf" >"$got" 2>&1
		rc=$?
		set -e
		if [ $rc -eq "$want_rc" ] && cmp -s "$got" "$want"; then
			ok=$((ok + 1))
		else
			echo "$name run $i: exit $rc (want $want_rc)"
			diff "$want" "$got" | head -20
		fi
	done
	echo "$name: $ok/$runs identical, exit $want_rc"
	[ $ok -eq "$runs" ] || fail=1
	rm -f "$want" "$got"
done
exit $fail
