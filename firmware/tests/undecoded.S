@ undecoded.S - a write to a GIC distributor offset that decodes to no
@ register (GICD +0xF04, between SGIR and the ID registers).  Real
@ hardware ignores it; penlab stops the run and names the address, because
@ firmware that does this has a wrong offset somewhere.

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r1, =GICD_BASE + 0xf04
	mov	r0, #1
	str	r0, [r1]
	mov	r0, #0
	bx	lr

	.ltorg
