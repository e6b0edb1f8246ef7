@ por-mp-dmb.S - por-mp with a DMB on each side: core 0 stores data, DMB,
@ flag; core 1 loads flag, DMB, data.
@
@   core 0: data = 1; dmb; flag = 1   core 1: r1 = flag; dmb; r2 = data
@
@ Three classes under either memory model: (r1, r2) = (0, 0), (0, 1),
@ (1, 1).  Under --memory relaxed (1, 0) is forbidden by the DMBs (the
@ flag's store cannot become visible before the data's), so DPOR must
@ order the two drains and count no fourth class.
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
	dmb				@ data visible before flag
	str	r2, [r1]
	b	park
	.global	secondary_main
secondary_main:
	ldr	r0, =flag
	ldr	r1, =data
	ldr	r2, [r0]
	dmb				@ flag read before data
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
