// A refusal from the SPV rules: which field of the input is wrong and why. Pure: the chain module
// maps it to a DomainError (422 naming `data.<field>`) at its door.
export type SpvField =
  | 'header_hex'
  | 'height'
  | 'hash'
  | 'prev_hash'
  | 'raw_tx_hex'
  | 'tx_index'
  | 'merkle_branch'
  | 'checkpoint';

export class SpvError extends Error {
  override readonly name = 'SpvError';
  constructor(
    readonly field: SpvField,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export function refuse(field: SpvField, reason: string): never {
  throw new SpvError(field, reason);
}
