@ vectorless.S - an undefined instruction with VBAR put back to 0: no RAM
@ is there on this board, so there is no vector to enter (a fault on
@ penlab).  Not an oracle test: QEMU has flash at 0.

	.syntax	unified
	.arm
	.text
	.global	main
main:
	mov	r0, #0
	mcr	p15, 0, r0, c12, c0, 0		@ VBAR = 0
	isb					@ the vector base in effect before the UDF
	.word	0xe7f000f0			@ udf #0
	b	.
