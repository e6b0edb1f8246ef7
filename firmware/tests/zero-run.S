@ zero-run.S - both cores run off into RAM nothing ever wrote.
@
@ Zero-filled memory decodes as `andeq r0, r0, r0`, a valid instruction that
@ does nothing, so each core slides through fresh pages of DRAM until its step
@ budget runs out (or it falls off the end of RAM and faults). What this
@ exercises is the cost of a step in never-written memory: it must stay that
@ of any other instruction (test/limits.test.ts, scripts/bench.ts).

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	pc, =DRAM_BASE + 0x01000000	@ 16 MiB into DRAM: never loaded, never written

	.global	secondary_main
secondary_main:
	ldr	pc, =DRAM_BASE + 0x04000000	@ the other core slides through another 16 MiB

	.ltorg
