@ global-timer.S - the Cortex-A9 global timer: the 64-bit counter counts
@ up; a comparator with auto-increment raises PPI 27 three times, and the
@ comparator has moved on by whole increments, at least three.  (How many
@ depends on how late the handler ran: QEMU's clock is the host's, so only
@ that much is printed.)
@
@   gt counts up / gt irq 1 / gt irq 2 / gt irq 3 / gt comparator moved by increments

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	INCREMENT, 100000		@ 1 ms at PERIPHCLK 100 MHz

	.text
	.global	main
main:
	push	{r4-r6, lr}
	bl	gic_dist_init
	bl	gic_cpu_init
	mov	r0, #PPI_GLOBAL_TIMER
	bl	gic_enable
	ldr	r4, =GT_BASE
	mov	r0, #0
	str	r0, [r4, #GT_CONTROL]		@ stopped: the counter may be written
	str	r0, [r4, #GT_COUNTER_LO]
	str	r0, [r4, #GT_COUNTER_HI]
	mov	r0, #1
	str	r0, [r4, #GT_CONTROL]
	ldr	r5, [r4, #GT_COUNTER_LO]
	ldr	r0, =100
1:	subs	r0, r0, #1
	bne	1b
	ldr	r6, [r4, #GT_COUNTER_LO]
	cmp	r6, r5
	bls	fail
	ldr	r0, =str_counts
	bl	puts

	ldr	r0, =INCREMENT
	str	r0, [r4, #GT_AUTO_INCREMENT]
	ldr	r5, [r4, #GT_COUNTER_LO]
	add	r5, r5, r0			@ first event one increment from now
	str	r5, [r4, #GT_COMPARATOR_LO]
	mov	r0, #0
	str	r0, [r4, #GT_COMPARATOR_HI]
	mov	r0, #0xf			@ timer, comparator, IRQ, auto-increment
	str	r0, [r4, #GT_CONTROL]

	ldr	r0, =events
	mov	r1, #3
	bl	irq_wait_word			@ the handler prints each event
	mov	r0, #0
	str	r0, [r4, #GT_CONTROL]		@ stop before reading the comparator
	ldr	r0, [r4, #GT_COMPARATOR_LO]
	sub	r0, r0, r5
	ldr	r1, =3 * INCREMENT
	cmp	r0, r1
	blo	fail
	ldr	r1, =INCREMENT
2:	subs	r0, r0, r1			@ whole increments: no divide on the A9
	bhi	2b
	bne	fail
	ldr	r0, =str_inc
	bl	puts
	mov	r0, #0
	pop	{r4-r6, pc}
fail:
	ldr	r0, =str_bad
	bl	puts
	mov	r0, #1
	pop	{r4-r6, pc}

@ irq_handler(r0 = IAR): count the event, clear the event flag
	.global	irq_handler
irq_handler:
	push	{r4, lr}
	cmp	r0, #PPI_GLOBAL_TIMER
	bne	exit_failure
	ldr	r1, =GT_BASE
	mov	r2, #1
	str	r2, [r1, #GT_INT_STATUS]	@ write 1 to clear
	ldr	r1, =events
	ldr	r4, [r1]
	add	r4, r4, #1
	str	r4, [r1]
	ldr	r0, =str_irq
	bl	puts
	mov	r0, r4
	bl	print_udec
	mov	r0, #'\n'
	bl	putc
	pop	{r4, pc}

	.ltorg
	.include "gic-enable.inc"

	.data
	.balign	4
events:	.word	0

	.section .rodata
str_counts:	.asciz	"gt counts up\n"
str_irq:	.asciz	"gt irq "
str_inc:	.asciz	"gt comparator moved by increments\n"
str_bad:	.asciz	"gt FAIL\n"
