@ print.S - console output and run exit.
@
@ putc/puts/print_hex write UART0, polling FR.TXFF before every byte as a
@ real PL011 requires.  semi_write0 and the exits use ARM semihosting.
@ All are AAPCS: r0-r3, r12 clobbered, r4-r11 preserved.

	.include "board.inc"
	.syntax	unified
	.arm
	.text

@ putc(r0 = byte)
	.global	putc
	.type	putc, %function
putc:
	ldr	r1, =UART0_BASE
1:	ldr	r2, [r1, #UART_FR]
	tst	r2, #UART_FR_TXFF
	bne	1b
	str	r0, [r1, #UART_DR]
	bx	lr
	.size	putc, . - putc

@ puts(r0 = NUL-terminated string); no newline added
	.global	puts
	.type	puts, %function
puts:
	push	{r4, lr}
	mov	r4, r0
1:	ldrb	r0, [r4], #1
	cmp	r0, #0
	popeq	{r4, pc}
	bl	putc
	b	1b
	.size	puts, . - puts

@ print_hex(r0): "0x%08x"
	.global	print_hex
	.type	print_hex, %function
print_hex:
	push	{r4, r5, r6, lr}
	mov	r4, r0
	mov	r0, #'0'
	bl	putc
	mov	r0, #'x'
	bl	putc
	mov	r5, #28
1:	lsr	r0, r4, r5
	and	r0, r0, #0xf
	cmp	r0, #10
	addlo	r0, r0, #'0'
	addhs	r0, r0, #'a' - 10
	bl	putc
	subs	r5, r5, #4
	bpl	1b
	pop	{r4, r5, r6, pc}
	.size	print_hex, . - print_hex

@ print_udec(r0): unsigned decimal, no leading zeros.  Cortex-A9 has no
@ divide instruction: subtract powers of ten instead.
	.global	print_udec
	.type	print_udec, %function
print_udec:
	push	{r4-r8, lr}
	mov	r4, r0
	ldr	r5, =pow10
	mov	r6, #0				@ a digit is out: zeros count from now on
1:	ldr	r7, [r5], #4
	mov	r0, #'0'
2:	cmp	r4, r7
	subhs	r4, r4, r7
	addhs	r0, r0, #1
	bhs	2b
	teq	r6, #0
	teqeq	r0, #'0'
	bne	3f
	cmp	r7, #1				@ a leading zero: skip it unless it is the units
	bne	1b
3:	mov	r6, #1
	bl	putc
	cmp	r7, #1
	bne	1b
	pop	{r4-r8, pc}
	.size	print_udec, . - print_udec

@ semi_write0(r0 = NUL-terminated string), through the debugger console
	.global	semi_write0
	.type	semi_write0, %function
semi_write0:
	push	{r4, lr}			@ a real SVC taken in SVC mode overwrites lr
	mov	r1, r0
	mov	r0, #SYS_WRITE0
	svc	#SEMI_SVC_ARM
	pop	{r4, pc}
	.size	semi_write0, . - semi_write0

	.global	exit_success
	.type	exit_success, %function
exit_success:
	ldr	r1, =ADP_Stopped_ApplicationExit
	b	1f
	.global	exit_failure
	.type	exit_failure, %function
exit_failure:
	ldr	r1, =ADP_Stopped_InternalError
	b	1f
	.size	exit_failure, . - exit_failure
	.size	exit_success, . - exit_success
	.type	semihosting_exit, %function
semihosting_exit:
1:	mov	r0, #SYS_EXIT
	svc	#SEMI_SVC_ARM
	b	park				@ no debugger to stop us
	.size	semihosting_exit, . - semihosting_exit

	.ltorg

	.section .rodata
	.balign	4
pow10:	.word	1000000000, 100000000, 10000000, 1000000, 100000
	.word	10000, 1000, 100, 10, 1
