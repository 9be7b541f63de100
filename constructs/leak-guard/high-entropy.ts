import { literalText } from "./literal";

// Runs of the characters keys and base64/hex secrets are made of.
const RUN = /[A-Za-z0-9+/=_-]{32,}/g;
const HEX = /^[0-9a-fA-F]+$/;
// Bits per character: a random 32-character base62 string scores above 4.0, a random
// 32-digit hex string above 2.9; names, paths and URLs made of words stay below.
const MIN_BITS_MIXED = 4.0;
const MIN_BITS_HEX = 2.9;

/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * True when the literal text holds a run of 32 or more key characters that looks random:
 * hex with high entropy, or a mix of at least two of upper case, lower case and digits
 * with high entropy. Path-like runs are judged segment by segment.
 */
export function looksRandom(value: string): boolean {
  for (const [run] of literalText(value).matchAll(RUN)) {
    const pieces = run.startsWith("/") ? run.split("/") : [run];
    if (pieces.some((piece) => piece.length >= 32 && isRandomPiece(piece))) return true;
  }
  return false;
}

function isRandomPiece(piece: string): boolean {
  if (HEX.test(piece)) return shannonEntropy(piece) >= MIN_BITS_HEX;
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/].filter((c) => c.test(piece)).length;
  return classes >= 2 && shannonEntropy(piece) >= MIN_BITS_MIXED;
}
