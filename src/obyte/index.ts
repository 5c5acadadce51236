export * from './constants.ts';
export type * from './types.ts';
export { getJsonSourceString, getSourceString } from './source-string.ts';
export { base32Decode, base32Encode } from './base32.ts';
export { getChash160, isChashValid } from './chash.ts';
export { addressFromPubkey, addressOfDefinition, definitionFromPubkey, isValidAddress, isValidAddressAnyCase } from './address.ts';
export { isValidBase64, isValidEmail, isValidUnitHash } from './checks.ts';
export { decimalExp, getHeadersSize, getLength, getOversizeFee, getPaidTempDataFee, getTotalPayloadSize } from './length.ts';
export {
  getBase64Hash,
  getMessagePayloadHash,
  getNakedUnit,
  getPayloadForHash,
  getStrippedUnit,
  getUnitContentHash,
  getUnitHash,
  getUnitHashToSign,
  getUnitHashToSignSourceString,
  type StrippedUnit,
} from './unit-hash.ts';
export { publicKeyOf, sign, verify } from './signature.ts';
export { explorerAddressUrl, explorerUnitUrl } from './explorer.ts';
export { generateMnemonic, isValidMnemonic, newTextcoin, textcoinKey, textcoinLink, walletKey, type KeyPair } from './keys.ts';
export {
  composePayment,
  type ComposePaymentOptions,
  type ComposePaymentResult,
  type PaymentFees,
} from './composer.ts';
export * from './hub-client.ts';
export { baseOutputs, baseTransferInputs, type PositionedOutput } from './payments.ts';
export { composeWithHub, hubFailure, unspentOutputs, witnesses, type ComposedPayment, type ComposeFailure, type PaymentRequest } from './light-wallet.ts';
