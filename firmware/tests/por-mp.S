@ por-mp.S - message passing without waiting: core 0 stores data then
@ flag, core 1 loads flag then data.
@
@   core 0: data = 1; flag = 1   core 1: r1 = flag; r2 = data
@
@ Under sequential consistency three classes: (r1, r2) = (0, 0), (0, 1),
@ (1, 1); (1, 0) would need reordering penlab does not model.

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r0, =data
	ldr	r1, =flag
	mov	r2, #1
	str	r2, [r0]
	str	r2, [r1]
	b	park

	.global	secondary_main
secondary_main:
	ldr	r0, =flag
	ldr	r1, =data
	ldr	r2, [r0]
	ldr	r3, [r1]
	ldr	r0, =seen
	stm	r0, {r2, r3}
	b	park

	.ltorg

	.data
	.balign	4
data:	.word	0
flag:	.word	0
seen:	.word	0, 0
