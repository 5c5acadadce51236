/** What the payout engine needs from an Obyte network; src/chain/ implements it over a hub connection. */
export interface PayoutChain {
  /** The hot wallet address that pays. */
  readonly hotAddress: string;
  /** Composes and signs one unit paying these outputs from the hot wallet (nothing is broadcast). */
  compose(outputs: ReadonlyArray<{ address: string; amount: bigint }>): Promise<Composed | ChainFailure>;
  /** Broadcasts a signed joint; a joint the hub already has counts as posted. */
  post(joint: string): Promise<{ ok: true } | ChainFailure>;
  /** Whether the hub holds this unit. */
  exists(unit: string): Promise<boolean>;
}

export interface Composed {
  ok: true;
  unit: string;
  /** The signed joint, as JSON: stored before it is broadcast, re-broadcast as is after a crash. */
  joint: string;
  fee: bigint;
  /** The part of `fee` priced by the network's recent load (ocore's tps fee). */
  tpsFee: bigint;
}

export interface ChainFailure {
  ok: false;
  error: string;
  transient: boolean;
}
