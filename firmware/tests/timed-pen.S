@ timed-pen.S - a holding pen whose wait is bounded by the A9 global
@ timer, as a kernel's udelay() bounds boot_secondary's wait.  Core 1
@ polls SYS_FLAGS for at most 2 ms of global-timer time; core 0 starts the
@ timer, does some work, releases it and waits for its answer.
@
@   cpu1 released / timed pen ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	TIMEOUT, 200000			@ 2 ms at PERIPHCLK 100 MHz

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r1, =GT_BASE
	mov	r0, #1
	str	r0, [r1, #GT_CONTROL]		@ the counter runs
	ldr	r0, =started
	mov	r1, #1
	bl	post_word			@ core 1 starts its bounded wait
	ldr	r0, =500
1:	subs	r0, r0, #1			@ some work before the release
	bne	1b
	ldr	r1, =SYSREG_BASE
	mov	r0, #1
	dsb					@ our stores before the release
	str	r0, [r1, #SYS_FLAGSSET]
	sev
	ldr	r0, =answer
	mov	r1, #1
	bl	wait_word
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r0, =started
	mov	r1, #1
	bl	wait_word			@ the timer runs
	ldr	r4, =GT_BASE
	ldr	r5, [r4, #GT_COUNTER_LO]	@ start of the bounded wait
	ldr	r6, =SYSREG_BASE
	ldr	r7, =TIMEOUT
1:	ldr	r0, [r6, #SYS_FLAGS]
	tst	r0, #1
	bne	2f
	ldr	r0, [r4, #GT_COUNTER_LO]
	sub	r0, r0, r5
	cmp	r0, r7
	blo	1b
	ldr	r0, =str_timeout
	bl	puts
	b	exit_failure
2:	ldr	r0, =str_released
	bl	puts
	ldr	r0, =answer
	mov	r1, #1
	bl	post_word
	b	park

	.ltorg
	.data
	.balign	4
started:	.word	0
answer:		.word	0

	.section .rodata
str_released:	.asciz	"cpu1 released\n"
str_timeout:	.asciz	"cpu1 timed out\n"
str_ok:		.asciz	"timed pen ok\n"
