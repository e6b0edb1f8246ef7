@ por-ww.S - one shared word, written once by each core.
@
@ The two stores conflict and nothing orders them: two classes of
@ equivalent schedules, one per final value of x.

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r0, =x
	mov	r1, #1
	str	r1, [r0]
	b	park

	.global	secondary_main
secondary_main:
	ldr	r0, =x
	mov	r1, #2
	str	r1, [r0]
	b	park

	.ltorg

	.data
	.balign	4
x:	.word	0
