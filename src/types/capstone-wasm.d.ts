// capstone-wasm ships types its package.json "exports" do not expose to NodeNext resolution;
// this states the part penlab uses.
declare module 'capstone-wasm' {
  export interface Insn {
    id: number;
    address: number | bigint;
    size: number;
    bytes: Uint8Array;
    mnemonic: string;
    opStr: string;
  }
  export class Capstone {
    constructor(arch: number, mode: number);
    disasm(data: number[] | Uint8Array, options?: { address?: number | bigint; count?: number }): Insn[];
    close(): void;
    readonly handle: number;
    setOption(opt: number, value: number): number;
    getRegName(id: number): string;
    /** a capstone C function by name, through emscripten's ccall */
    static call(name: string, ...args: unknown[]): unknown;
  }
  export const Const: { CS_ARCH_ARM: number; CS_MODE_ARM: number; CS_MODE_THUMB: number; CS_OPT_DETAIL: number; CS_OPT_ON: number };
  export function loadCapstone(args?: Record<string, unknown>): Promise<void>;
}
