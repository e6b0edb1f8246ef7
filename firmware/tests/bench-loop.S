@ bench-loop.S - endless work for the stepping benchmark (scripts/bench.ts).
@
@ Both cores loop for ever over arithmetic and a store to their own word:
@ no traps, no devices, nothing to wait for, so penlab and the plain C
@ stepper in scripts/bench-stepper.c step exactly the same instructions.
@ Not a test: it never exits (run it with --max-steps).

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	.global	secondary_main
secondary_main:
	ldr	r1, =counters
	add	r1, r1, r0, lsl #2
	mov	r2, #0
1:	add	r2, r2, #1
	eor	r3, r2, r2, lsr #3
	str	r3, [r1]
	b	1b

	.ltorg

	.data
	.balign	4
counters:	.word	0, 0
