@ sgi-pingpong.S - SGIs as real IRQs, both ways, five rounds.
@
@ Core 0 sends SGI 1 ("ping") to core 1; core 1's irq_handler counts it
@ and answers SGI 2 ("pong") to core 0.  Both sleep in WFI with IRQs
@ taken.  Only core 0 prints, after each pong, so the transcript is fixed:
@
@   ping 1 / pong 1 / ... / ping 5 / pong 5 / pingpong ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	SGI_PING, 1
	.equ	SGI_PONG, 2
	.equ	ROUNDS, 5

	.text
	.global	main
main:
	push	{r4, lr}
	bl	gic_dist_init
	bl	gic_cpu_init
	ldr	r0, =cpu1_ready
	mov	r1, #1
	bl	wait_word			@ core 1 can take SGIs

	mov	r4, #1
1:	ldr	r0, =str_ping
	bl	puts
	mov	r0, r4
	bl	print_udec
	mov	r0, #'\n'
	bl	putc
	mov	r0, #SGI_PING
	mov	r1, #(1 << 1)
	bl	gic_send_sgi
	ldr	r0, =pongs
	mov	r1, r4
	bl	irq_wait_word			@ our handler counts pongs
	ldr	r0, =str_pong
	bl	puts
	ldr	r0, =pings
	ldr	r0, [r0]			@ core 1's count, stored before its SGI
	bl	print_udec
	mov	r0, #'\n'
	bl	putc
	add	r4, r4, #1
	cmp	r4, #ROUNDS
	bls	1b

	ldr	r0, =pings			@ core 1 saw as many pings as we sent
	ldr	r0, [r0]
	ldr	r1, =bad_iar
	ldr	r1, [r1]
	cmp	r0, #ROUNDS
	cmpeq	r1, #0
	ldreq	r0, =str_ok
	ldrne	r0, =str_bad
	moveq	r4, #0
	movne	r4, #1
	bl	puts
	mov	r0, r4
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	bl	gic_cpu_init
	ldr	r0, =cpu1_ready
	mov	r1, #1
	bl	post_word
	cpsie	i
1:	wfi					@ nothing to re-check: all work is in irq_handler
	b	1b

@ irq_handler(r0 = IAR), on both cores.  A ping must come from core 0
@ (IAR 0x001), a pong from core 1 (IAR 0x402); anything else is an error.
	.global	irq_handler
irq_handler:
	push	{r4, lr}
	ldr	r1, =(0 << GIC_IAR_CPU_SHIFT) | SGI_PING
	cmp	r0, r1
	beq	on_ping
	ldr	r1, =(1 << GIC_IAR_CPU_SHIFT) | SGI_PONG
	cmp	r0, r1
	beq	on_pong
	orr	r0, r0, #(1 << 31)		@ non-zero even for IAR 0
	ldr	r1, =bad_iar
	str	r0, [r1]
	pop	{r4, pc}
on_ping:					@ core 1
	ldr	r1, =pings
	ldr	r0, [r1]
	add	r0, r0, #1
	str	r0, [r1]			@ gic_send_sgi's dsb publishes it before the pong
	mov	r0, #SGI_PONG
	mov	r1, #(1 << 0)
	bl	gic_send_sgi
	pop	{r4, pc}
on_pong:					@ core 0
	ldr	r1, =pongs
	ldr	r0, [r1]
	add	r0, r0, #1
	str	r0, [r1]
	pop	{r4, pc}

	.ltorg

	.data
	.balign	4
cpu1_ready:	.word	0		@ core 1 -> core 0
pings:		.word	0		@ written by core 1's handler
pongs:		.word	0		@ written by core 0's handler
bad_iar:	.word	0		@ an unexpected IAR, either core

	.section .rodata
str_ping:	.asciz	"ping "
str_pong:	.asciz	"pong "
str_ok:		.asciz	"pingpong ok\n"
str_bad:	.asciz	"pingpong FAIL\n"
