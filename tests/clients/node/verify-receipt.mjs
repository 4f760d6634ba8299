#!/usr/bin/env node
// An independent verifier of Earnest payment receipts (version 2), written from docs/ledger.md alone:
// "Blocks" and "Receipt format (version 2)" / "Verifying a receipt, step by step". Node 20+, no npm packages.
//
// Usage: node verify-receipt.mjs RECEIPT.json [--signer BASE58]
//   RECEIPT.json holds a receipt object, or an object with a `receipt` field.
//   --signer is the network key you trust (GET /v1/ledger/key); without it the receipt's own signer is used,
//   which proves integrity but not who signed.
// Exit 0 and print `verified: ...` when every step passes; otherwise print one line
// `receipt does not verify: <reason>` to stderr and exit 1.

import { readFileSync } from 'node:fs';
import { createHash, createPublicKey, verify } from 'node:crypto';

class Invalid extends Error {}

function fail(reason) {
  throw new Invalid(reason);
}

// ---------------------------------------------------------------- encodings

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const ALPHABET_INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Base58 (Bitcoin alphabet): each leading '1' is a leading zero byte; the rest is a big-endian number. */
function base58Decode(text, what) {
  if (typeof text !== 'string' || text.length === 0) fail(`${what} is not a base58 string`);
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let n = 0n;
  for (const c of text) {
    const digit = ALPHABET_INDEX.get(c);
    if (digit === undefined) fail(`${what} is not base58 (character '${c}')`);
    n = n * 58n + BigInt(digit);
  }
  const tail = [];
  while (n > 0n) {
    tail.push(Number(n & 0xffn));
    n >>= 8n;
  }
  return Buffer.from([...new Array(zeros).fill(0), ...tail.reverse()]);
}

function base58DecodeLength(text, length, what) {
  const bytes = base58Decode(text, what);
  if (bytes.length !== length) fail(`${what} decodes to ${bytes.length} bytes, expected ${length}`);
  return bytes;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Base64 (RFC 4648, standard alphabet, with padding), strict. */
function base64Decode(text, what) {
  if (typeof text !== 'string' || !BASE64.test(text)) fail(`${what} is not base64 (RFC 4648, with padding)`);
  return Buffer.from(text, 'base64');
}

// ---------------------------------------------------------------- crypto

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function ed25519Key(raw32) {
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw32]), format: 'der', type: 'spki' });
  } catch (e) {
    fail(`signer is not a valid Ed25519 public key (${e.message})`);
  }
}

function ed25519Verify(key, data, signature) {
  try {
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- header

const HEADER_LENGTH = 108;
const MAGIC = Buffer.from('earnest/block/v1', 'ascii');

function readHeader(h) {
  if (h.length !== HEADER_LENGTH) fail(`block header is ${h.length} bytes, expected ${HEADER_LENGTH}`);
  if (!h.subarray(0, 16).equals(MAGIC)) fail('block header does not start with earnest/block/v1');
  return {
    height: h.readBigUInt64BE(16),
    previousHash: h.subarray(24, 56),
    merkleRoot: h.subarray(56, 88),
    count: h.readUInt32BE(88),
    firstSeq: h.readBigUInt64BE(92),
    closedMicros: h.readBigInt64BE(100),
  };
}

// ---------------------------------------------------------------- verification

function isNonNegativeInteger(x) {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function verifyReceipt(receipt, trustedSigner) {
  if (receipt === null || typeof receipt !== 'object' || Array.isArray(receipt)) fail('receipt is not a JSON object');

  // 1. The signer is the network key we trust.
  const k = base58DecodeLength(receipt.signer, 32, 'signer');
  if (trustedSigner !== undefined) {
    const trusted = base58DecodeLength(trustedSigner, 32, '--signer');
    if (!k.equals(trusted)) fail(`signer ${receipt.signer} is not the trusted key ${trustedSigner}`);
  }
  const key = ed25519Key(k);

  // 2. The transfer signature.
  const p = base64Decode(receipt.payload, 'payload');
  const s = base58DecodeLength(receipt.signature, 64, 'signature');
  if (!ed25519Verify(key, p, s)) fail('transfer signature is not a valid Ed25519 signature of the payload under the signer');

  // A version-2 receipt must carry its block and proof.
  const block = receipt.block;
  const proof = receipt.proof;
  if (block === undefined || block === null) fail('receipt has no block (a version-1 receipt lacks the block guarantee)');
  if (proof === undefined || proof === null) fail('receipt has no proof (a version-1 receipt lacks the block guarantee)');
  if (typeof block !== 'object' || Array.isArray(block)) fail('block is not a JSON object');
  if (typeof proof !== 'object' || Array.isArray(proof)) fail('proof is not a JSON object');

  // 3. The header: length, magic, height.
  const h = base64Decode(block.header, 'block.header');
  const header = readHeader(h);
  if (!isNonNegativeInteger(block.height)) fail('block.height is not a non-negative integer');
  if (header.height !== BigInt(block.height)) {
    fail(`block header height ${header.height} does not equal block.height ${block.height}`);
  }

  // 4. The block signature.
  const blockSignature = base58DecodeLength(block.signature, 64, 'block.signature');
  if (!ed25519Verify(key, h, blockSignature)) {
    fail('block signature is not a valid Ed25519 signature of the header under the signer');
  }

  // 5. Size and index.
  if (!isNonNegativeInteger(proof.size)) fail('proof.size is not a non-negative integer');
  if (!isNonNegativeInteger(proof.index)) fail('proof.index is not a non-negative integer');
  if (proof.size !== header.count) fail(`proof.size ${proof.size} does not equal the header's transfer count ${header.count}`);
  if (!(proof.index < proof.size)) fail(`proof.index ${proof.index} is out of range for size ${proof.size}`);
  if (!Array.isArray(proof.path)) fail('proof.path is not an array');

  // 6. RFC 9162 inclusion check (section 2.1.3.2) against the header's Merkle root.
  let r = sha256(Buffer.from([0x00]), p);
  let fn = BigInt(proof.index);
  let sn = BigInt(proof.size - 1);
  proof.path.forEach((element, i) => {
    const sibling = base64Decode(element, `proof.path[${i}]`);
    if (sibling.length !== 32) fail(`proof.path[${i}] is ${sibling.length} bytes, expected 32`);
    if (sn === 0n) fail(`Merkle proof has too many path elements (${proof.path.length}) for index ${proof.index} of ${proof.size}`);
    if ((fn & 1n) === 1n || fn === sn) {
      r = sha256(Buffer.from([0x01]), sibling, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = sha256(Buffer.from([0x01]), r, sibling);
    }
    fn >>= 1n;
    sn >>= 1n;
  });
  if (sn !== 0n) fail(`Merkle proof has too few path elements (${proof.path.length}) for index ${proof.index} of ${proof.size}`);
  if (!r.equals(header.merkleRoot)) fail("Merkle inclusion proof does not lead to the header's Merkle root");

  // 7. The payload's fields.
  let fields;
  try {
    fields = JSON.parse(p.toString('utf8'));
  } catch (e) {
    fail(`payload is not JSON (${e.message})`);
  }
  return { header, index: proof.index, size: proof.size, payload: p.toString('utf8'), fields };
}

// ---------------------------------------------------------------- command line

function main(argv) {
  let file;
  let signer;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--signer') {
      if (i + 1 >= argv.length) fail('--signer needs a base58 key');
      signer = argv[++i];
    } else if (file === undefined) {
      file = argv[i];
    } else {
      fail(`unexpected argument ${argv[i]}`);
    }
  }
  if (file === undefined) fail('usage: node verify-receipt.mjs RECEIPT.json [--signer BASE58]');

  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`cannot read ${file} (${e.message})`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`${file} is not JSON (${e.message})`);
  }
  const receipt = json !== null && typeof json === 'object' && 'receipt' in json ? json.receipt : json;

  const v = verifyReceipt(receipt, signer);
  const trust = signer === undefined ? ' (signer not checked against a trusted key)' : '';
  console.log(`verified: block ${v.header.height}, leaf ${v.index} of ${v.size}${trust}: ${v.payload}`);
}

try {
  main(process.argv.slice(2));
  process.exit(0);
} catch (e) {
  const reason = e instanceof Invalid ? e.message : `internal error: ${e?.stack ?? e}`;
  process.stderr.write(`receipt does not verify: ${reason}\n`);
  process.exit(1);
}
