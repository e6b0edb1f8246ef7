@ sp804.S - the motherboard SP804 dual timers.  Module 0's first counter,
@ periodic, interrupts three times through the GIC (SPI 2, id 34); its
@ second counter, one-shot with the interrupt masked, sets its raw status
@ and stops at 0; module 1's first counter, free-running, counts down.
@
@   sp804 periodic irq 1 / 2 / 3 / sp804 one-shot done at 0 / sp804 free-running counts down / sp804 ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	CTRL_ONESHOT,	(1 << 0)
	.equ	CTRL_32BIT,	(1 << 1)
	.equ	CTRL_IE,	(1 << 5)
	.equ	CTRL_PERIODIC,	(1 << 6)
	.equ	CTRL_ENABLE,	(1 << 7)

	.text
	.global	main
main:
	push	{r4, r5, lr}
	bl	gic_dist_init
	bl	gic_cpu_init
	mov	r0, #SPI_SP804_0
	bl	gic_enable
	ldr	r4, =SP804_0_BASE
	mov	r0, #500			@ 0.5 ms at 1 MHz
	str	r0, [r4, #SP_LOAD]
	mov	r0, #(CTRL_ENABLE | CTRL_PERIODIC | CTRL_IE | CTRL_32BIT)
	str	r0, [r4, #SP_CONTROL]
	ldr	r0, =events
	mov	r1, #3
	bl	irq_wait_word
	mov	r0, #0
	str	r0, [r4, #SP_CONTROL]

	add	r5, r4, #SP_TIMER2
	mov	r0, #200
	str	r0, [r5, #SP_LOAD]
	mov	r0, #(CTRL_ENABLE | CTRL_ONESHOT | CTRL_32BIT)	@ IE clear: poll
	str	r0, [r5, #SP_CONTROL]
1:	ldr	r0, [r5, #SP_RIS]
	tst	r0, #1
	beq	1b
	ldr	r0, [r5, #SP_MIS]		@ masked: 0
	ldr	r1, [r5, #SP_VALUE]
	orrs	r0, r0, r1
	bne	fail
	str	r0, [r5, #SP_INTCLR]
	ldr	r0, [r5, #SP_RIS]
	cmp	r0, #0
	bne	fail
	ldr	r0, =str_oneshot
	bl	puts

	ldr	r5, =SP804_1_BASE
	mov	r0, #(CTRL_ENABLE | CTRL_32BIT)	@ free-running from 0xffffffff
	str	r0, [r5, #SP_CONTROL]
	ldr	r4, [r5, #SP_VALUE]
	ldr	r0, =3000
2:	subs	r0, r0, #1
	bne	2b
	ldr	r0, [r5, #SP_VALUE]
	cmp	r0, r4
	bhs	fail
	ldr	r0, =str_free
	bl	puts
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, r5, pc}
fail:
	ldr	r0, =str_bad
	bl	puts
	mov	r0, #1
	pop	{r4, r5, pc}

	.global	irq_handler
irq_handler:
	push	{r4, lr}
	cmp	r0, #SPI_SP804_0
	bne	exit_failure
	ldr	r1, =SP804_0_BASE
	str	r1, [r1, #SP_INTCLR]		@ any value clears
	ldr	r1, =events
	ldr	r4, [r1]
	add	r4, r4, #1
	str	r4, [r1]
	cmp	r4, #3
	bhi	1f
	ldr	r0, =str_irq
	bl	puts
	mov	r0, r4
	bl	print_udec
	mov	r0, #'\n'
	bl	putc
1:	pop	{r4, pc}

	.ltorg
	.include "gic-enable.inc"

	.data
	.balign	4
events:	.word	0

	.section .rodata
str_irq:	.asciz	"sp804 periodic irq "
str_oneshot:	.asciz	"sp804 one-shot done at 0\n"
str_free:	.asciz	"sp804 free-running counts down\n"
str_ok:		.asciz	"sp804 ok\n"
str_bad:	.asciz	"sp804 FAIL\n"
