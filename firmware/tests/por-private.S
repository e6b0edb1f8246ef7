@ por-private.S - two cores, each storing to a word only it uses.
@
@ No operation of one core can affect the other: every interleaving is
@ equivalent, so partial-order reduction runs one schedule.  Both cores
@ park afterwards (the run ends as a deadlock: nothing left to do).

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r0, =mine0
	mov	r1, #1
	str	r1, [r0]
	b	park

	.global	secondary_main
secondary_main:
	ldr	r0, =mine1
	mov	r1, #1
	str	r1, [r0]
	b	park

	.ltorg

	.data
	.balign	4
mine0:	.word	0
mine1:	.word	0
