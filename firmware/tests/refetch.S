@ refetch.S - instructions fetched again: core 1 runs `spin` before and
@ after a `detour`, then keeps running it while core 0 overwrites code
@ (same bytes: only the write matters).  With detour..detour_end declared
@ safe (--safe START:END), `once`, run only before the detour, is no
@ clobber; `spin`, run again after it, is, and again once core 1 ran it
@ anew since the first report.  Then core 0 rewrites its own `again`
@ between two calls with no ISB: stale code at the second call.  With
@ --continue-after-hazard: clobber (spin), clobber (spin), stale-code
@ (again); without --safe a clobber of `once` comes first
@ (test/detectors.test.ts).

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	secondary_main
secondary_main:
	bl	once
	bl	spin
	bl	detour				@ a safe region: forgets what core 1 fetched
	bl	spin				@ the same instructions, fetched again
	ldr	r0, =ready
	mov	r1, #1
	bl	post_word
1:	bl	spin
	b	1b

	.global	once
once:
	mov	r0, #0
	bx	lr

	.global	spin
spin:
	mov	r0, #8
1:	subs	r0, r0, #1
	bne	1b
	bx	lr

	.global	main
main:
	ldr	r0, =ready
	mov	r1, #1
	bl	wait_word
	ldr	r4, =once
	ldr	r5, [r4]
	str	r5, [r4]			@ fetched by core 1 before its detour only
	ldr	r4, =spin
	ldr	r5, [r4]
	str	r5, [r4]			@ fetched again after it: clobber
	mov	r0, #64				@ core 1 runs spin anew meanwhile
1:	subs	r0, r0, #1
	bne	1b
	str	r5, [r4]			@ clobber again
	bl	again
	ldr	r4, =again
	ldr	r5, [r4]
	str	r5, [r4]			@ our own code, and no isb before...
	bl	again				@ ...running it again: stale code
	b	exit_success

	.global	again
again:
	mov	r0, #0
	bx	lr

	.global	detour
detour:
	nop
	bx	lr
	.global	detour_end
detour_end:

	.ltorg

	.data
	.align	2
ready:	.word	0
