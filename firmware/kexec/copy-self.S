@ copy-self.S - code that rewrites the instructions it is about to run.
@
@ cpu0 copies a template over the instructions that follow its copy loop
@ and falls into them.  ARMv7 only promises the new bytes are fetched after
@ a context synchronization (ISB, exception entry or return): before it the
@ core may run what it had prefetched.  First with dsb + isb (allowed, no
@ hazard), then without the isb: penlab reports stale-code at site2.
@ With --continue-after-hazard penlab runs the new bytes (it has no
@ prefetch) and the program exits 0 (the outcome stays stale-code):
@
@   copy-self: patched with isb, new code ran
@   copy-self: patching the code after the loop, no isb
@   copy-self: new code ran (the old may run on hardware)
@
@ cpu1 parks (lib's secondary_main).

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
	.type	main, %function
main:
	push	{r4, lr}

	@ 1. copy, dsb, isb, then run the copy: correct
	adr	r0, template
	adr	r1, site1
	mov	r2, #(template_end - template) / 4
1:	ldr	r3, [r0], #4
	str	r3, [r1], #4
	subs	r2, r2, #1
	bne	1b
	dsb					@ the copy complete before...
	isb					@ ...we fetch it: nothing older prefetched
	.global	site1
site1:
	mov	r0, #1				@ becomes mov r0, #0
	nop
	cmp	r0, #0
	bne	9f
	ldr	r0, =str_synced
	bl	puts

	@ 2. the same copy loop, over the instructions right after it, no isb
	ldr	r0, =str_unsynced
	bl	puts
	adr	r0, template
	adr	r1, site2
	mov	r2, #(template_end - template) / 4
	.global	copy_self
copy_self:
	ldr	r3, [r0], #4
	str	r3, [r1], #4
	subs	r2, r2, #1
	bne	copy_self
	dsb					@ the copy complete, but no isb: what runs next may be stale
	.global	site2
site2:
	mov	r0, #1				@ becomes mov r0, #0 (or not, on hardware)
	nop
	cmp	r0, #0
	ldreq	r0, =str_new
	ldrne	r0, =str_old
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

9:	ldr	r0, =str_fail
	bl	puts
	mov	r0, #1
	pop	{r4, pc}
	.size	main, . - main

template:
	mov	r0, #0
	nop
template_end:

	.ltorg

	.section .rodata
str_synced:	.asciz	"copy-self: patched with isb, new code ran\n"
str_unsynced:	.asciz	"copy-self: patching the code after the loop, no isb\n"
str_new:	.asciz	"copy-self: new code ran (the old may run on hardware)\n"
str_old:	.asciz	"copy-self: old code ran\n"
str_fail:	.asciz	"copy-self: old code ran after isb\n"
