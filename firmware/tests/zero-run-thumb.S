@ zero-run-thumb.S - zero-run.S in Thumb state: both cores branch into RAM
@ nothing ever wrote, where a zero halfword is `movs r0, r0` (N and Z from
@ r0, which is never zero here, so the first one clears Z and sets N).
@ The cost of a step there must stay that of any other instruction.

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	mov	r0, #0x80000000			@ movs r0, r0 will set N and clear Z
	cmp	r0, r0				@ Z set now: the first zero clears it
	ldr	r1, =DRAM_BASE + 0x01000001	@ bit 0: Thumb
	bx	r1

	.global	secondary_main
secondary_main:
	mov	r0, #0x80000000
	cmp	r0, r0
	ldr	r1, =DRAM_BASE + 0x04000001
	bx	r1

	.ltorg
