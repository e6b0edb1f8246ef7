@ vectors.S - the exception vector table (VBAR) and its handlers.
@
@ IRQ is the only exception a program is expected to take: it is
@ acknowledged at the GIC and handed to irq_handler(iar).  Everything
@ else is a bug in the program: say which vector and where, then fail.

	.include "board.inc"
	.syntax	unified
	.arm

	.section .text.vectors, "ax"
	.balign	32				@ VBAR[4:0] are reserved
	.global	vectors
vectors:
	b	_start				@ reset: not taken through VBAR
	b	undef_vec
	b	svc_vec				@ semihosting SVCs never get here
	b	pabt_vec
	b	dabt_vec
	b	rsvd_vec
	b	irq_vec
	b	fiq_vec

irq_vec:
	@ r4/r5 hold IAR and GICC across the call; 8 words keep sp 8-aligned
	push	{r0-r5, r12, lr}
	ldr	r5, =GICC_BASE
	ldr	r4, [r5, #GICC_IAR]
	ldr	r1, =GIC_SPURIOUS
	ubfx	r0, r4, #0, #10
	cmp	r0, r1
	beq	1f				@ spurious: nothing to EOI
	mov	r0, r4
	bl	irq_handler
	str	r4, [r5, #GICC_EOIR]
1:	pop	{r0-r5, r12, lr}
	subs	pc, lr, #4

undef_vec:
	mrs	r1, spsr
	tst	r1, #PSR_T
	subne	r1, lr, #2			@ LR is past the instruction
	subeq	r1, lr, #4
	ldr	r0, =str_undef
	b	fault
svc_vec:
	mrs	r1, spsr
	tst	r1, #PSR_T
	subne	r1, lr, #2
	subeq	r1, lr, #4
	ldr	r0, =str_svc
	b	fault
pabt_vec:
	sub	r1, lr, #4
	ldr	r0, =str_pabt
	b	fault
dabt_vec:
	sub	r1, lr, #8
	ldr	r0, =str_dabt
	b	fault
rsvd_vec:
	mov	r1, lr
	ldr	r0, =str_rsvd
	b	fault
fiq_vec:
	sub	r1, lr, #4
	ldr	r0, =str_fiq
	@ fall through

@ r0 = what, r1 = address.  Prints "fault: <what> at 0x<address>".
fault:
	cps	#MODE_SVC			@ abort modes have no stack: borrow SVC's, we never return
	mov	r4, r0
	mov	r5, r1
	ldr	r0, =str_fault
	bl	puts
	mov	r0, r4
	bl	puts
	ldr	r0, =str_at
	bl	puts
	mov	r0, r5
	bl	print_hex
	mov	r0, #'\n'
	bl	putc
	b	exit_failure
	.ltorg

@ Default irq_handler: a program that enables IRQs must provide its own.
	.text
	.weak	irq_handler
	.type	irq_handler, %function
irq_handler:
	mov	r4, r0
	ldr	r0, =str_irq
	bl	puts
	mov	r0, r4
	bl	print_hex
	mov	r0, #'\n'
	bl	putc
	b	exit_failure
	.size	irq_handler, . - irq_handler
	.ltorg

	.section .rodata
str_fault:	.asciz	"fault: "
str_at:		.asciz	" at "
str_undef:	.asciz	"undefined instruction"
str_svc:	.asciz	"svc"
str_pabt:	.asciz	"prefetch abort"
str_dabt:	.asciz	"data abort"
str_rsvd:	.asciz	"reserved vector"
str_fiq:	.asciz	"fiq"
str_irq:	.asciz	"unexpected irq, iar "
