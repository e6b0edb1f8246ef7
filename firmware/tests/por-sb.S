@ por-sb.S - store buffering: each core stores its flag, then loads the
@ other's.
@
@   core 0: x = 1; r0 = y        core 1: y = 1; r1 = x
@
@ Under sequential consistency three classes: (r0, r1) = (0, 1), (1, 0),
@ (1, 1); (0, 0) needs a store buffer penlab does not model.

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r0, =x
	ldr	r1, =y
	mov	r2, #1
	str	r2, [r0]
	ldr	r3, [r1]
	ldr	r0, =seen0
	str	r3, [r0]
	b	park

	.global	secondary_main
secondary_main:
	ldr	r0, =y
	ldr	r1, =x
	mov	r2, #1
	str	r2, [r0]
	ldr	r3, [r1]
	ldr	r0, =seen1
	str	r3, [r0]
	b	park

	.ltorg

	.data
	.balign	4
x:	.word	0
y:	.word	0
seen0:	.word	0
seen1:	.word	0
