@ sync-early.S - a core that synchronizes its context before the code it
@ runs has been written.
@
@ Core 1 writes a new instruction over patch_site, then posts "patched".
@ Core 0 waits until core 1 has started, executes its ISB, looks at
@ "patched" once (without waiting for it) and calls patch_site. Where core
@ 1's store lands between core 0's ISB and the call, core 0 executes bytes
@ another core wrote with no context synchronization since: stale code
@ under --strict-code-sync. Core 0 makes a visible access between its ISB
@ and the call, so a search must order the ISB itself against stores to
@ code (DPOR: a context synchronization reads every shared word other cores
@ wrote since the core's last one).
@
@   patch_site returned 0 (or 1)

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =started
	mov	r1, #1
	bl	wait_word
	isb					@ too early: the patch may land after it
	ldr	r0, =patched
	ldr	r4, [r0]			@ one look, no wait
	bl	patch_site
	mov	r4, r0
	ldr	r0, =str_returned
	bl	puts
	mov	r0, r4
	bl	print_udec
	mov	r0, #'\n'
	bl	putc
	mov	r0, #0
	pop	{r4, pc}

patch_site:
	mov	r0, #0
	bx	lr

	.global	secondary_main
secondary_main:
	ldr	r0, =started
	mov	r1, #1
	bl	post_word
	ldr	r0, =patch_site
	ldr	r1, =0xe3a00001			@ mov r0, #1
	str	r1, [r0]
	ldr	r0, =patched
	mov	r1, #1
	bl	post_word
	b	park
	.ltorg

	.data
	.balign	4
started:	.word	0
patched:	.word	0

	.section .rodata
str_returned:	.asciz	"patch_site returned "
