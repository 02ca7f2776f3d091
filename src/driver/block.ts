/**
 * The lifecycle every driver block implements, as the Tyr reset series' `Resettable` trait and
 * Panthor's per-block functions do: `init` at probe, `unplug` at removal (idempotent),
 * `suspend`/`resume` for runtime PM, `preReset`/`postReset` around a GPU reset.
 *
 * The reset orchestrator calls pre-reset in the order sched, perfcnt, fw, mmu, then post-reset
 * in reverse; each block owns its own stop / drain / resume logic (the conclusion of the seed
 * discussion), so the orchestrator stays one short function.
 */

export interface Block {
  readonly name: string;
}

export interface Resettable extends Block {
  /** Stop using the hardware; `onHang` says the hardware is known to be broken. */
  preReset(onHang: boolean): Promise<void>;
  /** Resume after the hardware reset; returns 0 or a negative errno. `failed` tells the block
   * that the reset did not bring the hardware back (it then terminates its work). */
  postReset(failed: boolean): Promise<number>;
}
