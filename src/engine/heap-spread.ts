/**
 * Spreads the wasm backend's large allocations over the 64 cache-line offsets of a 4 KB page.
 *
 * The wasm backend's allocator (Emscripten's dlmalloc) puts a block 8 bytes past its chunk header,
 * and a training step allocates its large arrays in same-sized runs — a weight tensor, its optimizer
 * slots and its gradient — so they start a multiple of 4 KB apart plus a few bytes, at nearly the
 * same offset within a page. A kernel that streams several of them at once (an optimizer update
 * reads four and writes three) then contends for the same cache sets, and runs much slower than
 * with its arrays at different page offsets (figures in docs/engine.md).
 *
 * While spreading is on, a block of 64 KB or more is allocated 8 KB larger and handed out at its
 * next page boundary plus a rotating multiple of 64 bytes (5 cache lines more each time, so all 64
 * offsets come round); `_free` maps such an address back to its block. Only JavaScript allocates and
 * frees tensor memory in the wasm backend (its C++ side keeps pointers, never frees them), and it
 * does so through the module's `_malloc` and `_free`, which is where the wrappers go.
 */

/** The Emscripten module functions the wasm backend allocates tensor memory with. */
export interface WasmAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** Blocks at least this large are spread; smaller ones are left where the allocator puts them. */
export const SPREAD_MIN_BYTES = 64 * 1024;
const PAGE = 4096;
const LINE = 64;
const SLOTS = PAGE / LINE;
/** Slots advanced per allocation: coprime with 64, so consecutive blocks land far apart. */
const SLOT_STEP = 5;

interface SpreadState {
  enabled: boolean;
  next: number;
  /** Address handed out -> address the allocator returned, for spread blocks still allocated. */
  blocks: Map<number, number>;
  /** The wrappers installed last (undefined before the first install). */
  malloc?: WasmAllocator['_malloc'];
  free?: WasmAllocator['_free'];
}

const states = new WeakMap<WasmAllocator, SpreadState>();

/** The page offset the n-th spread block starts at. */
export function spreadOffset(n: number): number {
  return ((n * SLOT_STEP) % SLOTS) * LINE;
}

/** Replaces the module's `_malloc` and `_free` with wrappers over the current ones. */
function wrap(wasm: WasmAllocator, state: SpreadState): void {
  // Emscripten's exports start as trampolines that replace themselves with the raw function on
  // their first call, which would drop wrappers installed before it: call them once first.
  wasm._free(wasm._malloc(16));
  const malloc = wasm._malloc.bind(wasm);
  const free = wasm._free.bind(wasm);
  const spreadMalloc = (bytes: number): number => {
    if (!state.enabled || bytes < SPREAD_MIN_BYTES) return malloc(bytes);
    // `>>> 0`: the allocator returns a signed int32, and heaps above 2 GB are legal.
    const block = malloc(bytes + 2 * PAGE) >>> 0;
    if (block === 0) return 0;
    const address = block - (block % PAGE) + PAGE + spreadOffset(state.next++);
    state.blocks.set(address, block);
    return address;
  };
  const spreadFree = (pointer: number): void => {
    const address = pointer >>> 0;
    const block = state.blocks.get(address);
    if (block === undefined) {
      free(pointer);
      return;
    }
    state.blocks.delete(address);
    free(block);
  };
  state.malloc = wasm._malloc = spreadMalloc;
  state.free = wasm._free = spreadFree;
}

/**
 * Turns spreading on or off for the backend's module, installing the wrappers when they are not in
 * place. Turning it off leaves them in place, so blocks allocated while it was on are still freed right.
 */
export function setHeapSpread(wasm: WasmAllocator, enabled: boolean): void {
  let state = states.get(wasm);
  if (!state && !enabled) return;
  if (!state) {
    state = { enabled, next: 0, blocks: new Map() };
    states.set(wasm, state);
  }
  state.enabled = enabled;
  if (wasm._malloc !== state.malloc || wasm._free !== state.free) wrap(wasm, state);
}

/** Whether spreading is on for this module. */
export function heapSpreadEnabled(wasm: WasmAllocator): boolean {
  return states.get(wasm)?.enabled ?? false;
}
