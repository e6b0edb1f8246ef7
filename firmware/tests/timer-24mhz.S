@ timer-24mhz.S - the motherboard's SYS_24MHZ counter advances while a
@ core works.  Only the order of two readings is printed: how far it
@ moved depends on the clock (QEMU: host time; penlab: the virtual clock).
@
@   sys_24mhz advances

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r1, =SYSREG_BASE
	ldr	r4, [r1, #SYS_24MHZ]
	ldr	r0, =2000
1:	subs	r0, r0, #1			@ some work: 6000 instructions
	bne	1b
	ldr	r0, [r1, #SYS_24MHZ]
	sub	r0, r0, r4			@ modulo 2^32: a wrap in between is fine
	cmp	r0, #0
	ldrne	r0, =str_ok
	ldreq	r0, =str_bad
	moveq	r4, #1
	movne	r4, #0
	bl	puts
	mov	r0, r4
	pop	{r4, pc}

	.ltorg
	.section .rodata
str_ok:		.asciz	"sys_24mhz advances\n"
str_bad:	.asciz	"sys_24mhz stands still\n"
