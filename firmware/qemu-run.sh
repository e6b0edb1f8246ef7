#!/bin/sh
# Run one firmware ELF on QEMU vexpress-a9 with two cores, UART0 and
# semihosting output merged into one ordered stream on stdout.  QEMU's exit
# status follows SYS_EXIT: 0 ApplicationExit, 1 any other reason, the
# subcode for SYS_EXIT_EXTENDED with ApplicationExit.
#
#   firmware/qemu-run.sh firmware/build/mpidr.elf
#
# thread=single (round-robin TCG): QEMU 7.2's default multi-threaded TCG can
# keep running a stale translation of code another vCPU rewrote
# (smc-coherence fails there); round-robin does not, and schedules more
# repeatably.  QEMU_ACCEL overrides (e.g. QEMU_ACCEL=tcg,thread=multi).
set -e
[ $# -ge 1 ] || { echo "usage: $0 firmware.elf [qemu args...]" >&2; exit 2; }
elf=$1; shift
exec qemu-system-arm -M vexpress-a9 -smp 2 \
	-accel "${QEMU_ACCEL:-tcg,thread=single}" \
	-display none -monitor none \
	-audiodev none,id=snd0 -global pl041.audiodev=snd0 \
	-chardev stdio,id=c0,mux=on -serial chardev:c0 \
	-semihosting-config enable=on,target=native,chardev=c0 \
	-kernel "$elf" "$@" </dev/null
