@ livelock.S - two cores each waiting for the other, by polling.
@
@ Core 0 spins until core 1 sets "b", core 1 until core 0 sets "a", and
@ neither ever will: no WFE, so this is no deadlock but a livelock, and
@ penlab must say so as soon as both cores' states repeat, not after
@ spending the step budget.

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r1, =b
1:	ldr	r0, [r1]
	cmp	r0, #0
	beq	1b
	mov	r0, #0
	bx	lr

	.global	secondary_main
secondary_main:
	ldr	r1, =a
1:	ldr	r0, [r1]
	cmp	r0, #0
	beq	1b
	b	park

	.ltorg

	.data
	.balign	4
a:	.word	0
b:	.word	0
