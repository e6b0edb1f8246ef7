@ data-near-code.S - a data word written by one core right next to code
@ another core is running: no clobber.
@
@ One page holds cpu1's loop, the word cpu0 writes (immediately after the
@ loop's last instruction), cpu1's ack word and cpu0's writer loop.  A
@ clobber is a write to an *instruction* another core fetched, tracked per
@ address, so sharing a page with code is no hazard.  ROUNDS handshakes,
@ then a pass:
@
@   data-near-code: 8 values written next to cpu1's loop
@   data-near-code ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	ROUNDS,	8

	.section .text.near, "ax"
	.balign	4096				@ everything below in one page
	.global	near_page
near_page:

@ cpu1: wait for each value, ack it.
	.global	secondary_main
	.type	secondary_main, %function
secondary_main:
	adr	r0, near_value
	mov	r1, #1				@ the value expected next
	.global	near_loop
near_loop:
	ldr	r2, [r0]
	cmp	r2, r1
	beq	1f
	wfe					@ woken by cpu0's sev, or for no reason: re-check
	b	near_loop
	.global	near_value
near_value:
	.word	0				@ cpu0 -> cpu1, next to the branch cpu1 keeps running
1:	dmb					@ the value read before we ack it
	str	r1, [r0, #near_ack - near_value]
	dsb					@ the ack visible before the event
	sev
	add	r1, r1, #1
	cmp	r1, #ROUNDS + 1
	bne	near_loop
	b	park
	.size	secondary_main, . - secondary_main

	.global	near_ack
near_ack:
	.word	0				@ cpu1 -> cpu0, next to cpu0's code

@ cpu0: write 1..ROUNDS next to cpu1's loop, each after the previous ack.
	.global	main
	.type	main, %function
main:
	push	{r4, lr}
	adr	r0, near_value
	adr	r3, near_ack
	mov	r1, #1
	.global	near_writer
near_writer:
	dmb					@ nothing to publish with it; keeps the post_word shape
	str	r1, [r0]
	dsb					@ the value visible before the event
	sev
2:	ldr	r2, [r3]
	cmp	r2, r1
	beq	3f
	wfe					@ woken by cpu1's sev, or for no reason: re-check
	b	2b
3:	add	r1, r1, #1
	cmp	r1, #ROUNDS + 1
	bne	near_writer

	ldr	r0, =str_done
	bl	puts
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}
	.size	main, . - main
	.ltorg
	.global	near_page_end
near_page_end:

	.section .rodata
str_done:	.asciz	"data-near-code: 8 values written next to cpu1's loop\n"
str_ok:		.asciz	"data-near-code ok\n"
