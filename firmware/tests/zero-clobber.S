@ zero-clobber.S - core 1 runs into RAM nothing wrote (zeros: `andeq r0,
@ r0, r0`), then core 0 writes there: a clobber of code that was never
@ loaded.  Shows that instructions retired in fresh memory are fetched like
@ any others for the detectors (test/limits.test.ts).

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	FRESH, DRAM_BASE + 0x00100000	@ 1 MiB in: far past the image

	.text
	.global	secondary_main
secondary_main:
	ldr	pc, =FRESH

	.global	main
main:
	mov	r0, #64				@ let core 1 get well past FRESH first
1:	subs	r0, r0, #1
	bne	1b
	ldr	r1, =FRESH
	mov	r2, #1
	str	r2, [r1]
	b	exit_success

	.ltorg
