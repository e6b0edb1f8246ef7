@ wfe-sev.S - SEV/WFE hand-shake, three rounds, no interrupts.
@
@ Core 0 posts round n in "go" (store, dsb, sev); core 1, asleep in WFE,
@ answers n in "ack" the same way; core 0 waits for it in WFE.
@
@   go 1 / ack 1 / go 2 / ack 2 / go 3 / ack 3 / wfe-sev ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	ROUNDS, 3

	.text
	.global	main
main:
	push	{r4, lr}
	mov	r4, #1
1:	ldr	r0, =str_go
	bl	puts
	mov	r0, r4
	bl	print_udec
	mov	r0, #'\n'
	bl	putc
	ldr	r0, =go
	mov	r1, r4
	bl	post_word
	ldr	r0, =ack
	mov	r1, r4
	bl	wait_word
	ldr	r0, =str_ack
	bl	puts
	ldr	r0, =ack
	ldr	r0, [r0]
	bl	print_udec
	mov	r0, #'\n'
	bl	putc
	add	r4, r4, #1
	cmp	r4, #ROUNDS
	bls	1b
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

@ Core 1 waits with a conditional WFE (a NOP when its condition fails):
@ an emulator must evaluate the condition before sleeping.
	.global	secondary_main
secondary_main:
	ldr	r4, =go
	ldr	r6, =ack
	mov	r5, #1
1:	ldr	r0, [r4]
	cmp	r0, r5
	wfene
	bne	1b
	dmb					@ go before anything core 0 stored ahead of it
	str	r5, [r6]
	dsb					@ ack visible before sev
	sev
	add	r5, r5, #1
	cmp	r5, #ROUNDS
	bls	1b
	b	park

	.ltorg

	.data
	.balign	4
go:	.word	0			@ core 0 -> core 1
ack:	.word	0			@ core 1 -> core 0

	.section .rodata
str_go:		.asciz	"go "
str_ack:	.asciz	"ack "
str_ok:		.asciz	"wfe-sev ok\n"
