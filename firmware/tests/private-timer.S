@ private-timer.S - each core's private timer and watchdog (timer mode).
@ Core 0's private timer auto-reloads and raises PPI 29 three times; then
@ its watchdog, one-shot, raises PPI 30 once and its counter stays at 0.
@ Core 1 programs its own private timer at the same address and waits for
@ one interrupt of its own: the blocks are banked per core.
@
@   pt irq 1 / pt irq 2 / pt irq 3 / wdt irq / wdt stopped at 0 / cpu1 pt irq / private timers ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	PERIOD, 50000			@ 0.5 ms at PERIPHCLK 100 MHz

	.text
	.global	main
main:
	push	{r4, lr}
	bl	gic_dist_init
	bl	gic_cpu_init
	mov	r0, #PPI_PRIVATE_TIMER
	bl	gic_enable
	mov	r0, #PPI_WATCHDOG
	bl	gic_enable
	ldr	r4, =PT_BASE
	ldr	r0, =PERIOD
	str	r0, [r4, #PT_LOAD]
	mov	r0, #7				@ enable, auto-reload, IRQ
	str	r0, [r4, #PT_CONTROL]
	ldr	r0, =pt_events
	mov	r1, #3
	bl	irq_wait_word
	mov	r0, #0
	str	r0, [r4, #PT_CONTROL]

	ldr	r4, =WDT_BASE
	ldr	r0, =PERIOD
	str	r0, [r4, #PT_LOAD]
	mov	r0, #5				@ enable, IRQ, one-shot, timer mode
	str	r0, [r4, #PT_CONTROL]
	ldr	r0, =wdt_events
	mov	r1, #1
	bl	irq_wait_word
	ldr	r0, [r4, #PT_COUNTER]
	cmp	r0, #0
	ldreq	r0, =str_wdt0
	ldrne	r0, =str_bad
	bl	puts

	mov	r0, #1
	ldr	r1, =go
	str	r0, [r1]
	dsb					@ the go flag before the wake-up
	sev
	ldr	r0, =cpu1_events
	mov	r1, #1
	bl	wait_word
	ldr	r0, =str_cpu1
	bl	puts
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	bl	gic_cpu_init
	mov	r0, #PPI_PRIVATE_TIMER
	bl	gic_enable
	ldr	r0, =go
	mov	r1, #1
	bl	wait_word			@ core 0 has finished with its own
	ldr	r4, =PT_BASE
	ldr	r0, =PERIOD
	str	r0, [r4, #PT_LOAD]
	mov	r0, #5				@ enable, IRQ, one-shot
	str	r0, [r4, #PT_CONTROL]
	ldr	r0, =cpu1_events
	mov	r1, #1
	bl	irq_wait_word
	sev					@ core 0 waits in WFE
	b	park

@ irq_handler(r0 = IAR): clear the event flag, count, say which
	.global	irq_handler
irq_handler:
	push	{r4, lr}
	mrc	p15, 0, r1, c0, c0, 5
	ands	r1, r1, #3
	bne	on_cpu1
	cmp	r0, #PPI_PRIVATE_TIMER
	beq	on_pt
	cmp	r0, #PPI_WATCHDOG
	bne	exit_failure
	ldr	r1, =WDT_BASE
	mov	r2, #1
	str	r2, [r1, #PT_INT_STATUS]
	ldr	r1, =wdt_events
	mov	r2, #1
	str	r2, [r1]
	ldr	r0, =str_wdt
	bl	puts
	pop	{r4, pc}
on_pt:
	ldr	r1, =PT_BASE
	mov	r2, #1
	str	r2, [r1, #PT_INT_STATUS]
	ldr	r1, =pt_events
	ldr	r4, [r1]
	add	r4, r4, #1
	str	r4, [r1]
	cmp	r4, #3
	bhi	1f				@ a fourth before the timer stopped: not printed
	ldr	r0, =str_pt
	bl	puts
	mov	r0, r4
	bl	print_udec
	mov	r0, #'\n'
	bl	putc
1:	pop	{r4, pc}
on_cpu1:
	cmp	r0, #PPI_PRIVATE_TIMER
	bne	exit_failure
	ldr	r1, =PT_BASE
	mov	r2, #1
	str	r2, [r1, #PT_INT_STATUS]
	ldr	r1, =cpu1_events
	mov	r2, #1
	str	r2, [r1]
	pop	{r4, pc}

	.ltorg
	.include "gic-enable.inc"

	.data
	.balign	4
pt_events:	.word	0
wdt_events:	.word	0
cpu1_events:	.word	0
go:		.word	0

	.section .rodata
str_pt:		.asciz	"pt irq "
str_wdt:	.asciz	"wdt irq\n"
str_wdt0:	.asciz	"wdt stopped at 0\n"
str_cpu1:	.asciz	"cpu1 pt irq\n"
str_ok:		.asciz	"private timers ok\n"
str_bad:	.asciz	"private timers FAIL\n"
