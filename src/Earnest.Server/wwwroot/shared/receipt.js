// Verifies an Earnest receipt (version 2) in the browser, following docs/ledger.md "Verifying a receipt, step by
// step": the transfer's Ed25519 signature, the block header's signature, and the RFC 9162 Merkle inclusion proof of
// the transfer in that block, all under the network key the caller trusts (GET /v1/ledger/key).
import * as base58 from './base58.js';

const HEADER_LENGTH = 108;
const MAGIC = 'earnest/block/v1';

/** The result: { ok: true, height, index, size, transfer } or { ok: false, reason }. */
export async function verifyReceipt(receipt, trustedSigner) {
  try {
    return { ok: true, ...(await verify(receipt, trustedSigner)) };
  } catch (e) {
    return { ok: false, reason: e.message };
  }
}

async function verify(receipt, trustedSigner) {
  if (!receipt || typeof receipt !== 'object') throw new Error('not a receipt');
  if (receipt.signer !== trustedSigner) throw new Error('signed by another key than the network key');
  const signer = bytes58(receipt.signer, 32, 'signer');
  const key = await crypto.subtle.importKey('raw', signer, { name: 'Ed25519' }, false, ['verify']);
  const payload = base64(receipt.payload);
  if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, bytes58(receipt.signature, 64, 'signature'), payload))) {
    throw new Error('the transfer signature does not verify');
  }
  const { block, proof } = receipt;
  if (!block || !proof) throw new Error('no block proof');
  const header = base64(block.header);
  if (header.length !== HEADER_LENGTH || new TextDecoder().decode(header.subarray(0, 16)) !== MAGIC) {
    throw new Error('not a block header');
  }
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (view.getBigUint64(16) !== BigInt(block.height)) throw new Error('the header is of another block');
  if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, bytes58(block.signature, 64, 'block signature'), header))) {
    throw new Error('the block signature does not verify');
  }
  const count = view.getUint32(88);
  if (proof.size !== count || !(proof.index >= 0 && proof.index < proof.size)) throw new Error('the proof does not fit the block');
  // RFC 9162, 2.1.3.2: walk from the leaf to the root.
  let r = await sha256(Uint8Array.of(0), payload);
  let fn = BigInt(proof.index);
  let sn = BigInt(proof.size - 1);
  for (const element of proof.path) {
    const sibling = base64(element);
    if (sibling.length !== 32 || sn === 0n) throw new Error('the proof is malformed');
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(Uint8Array.of(1), sibling, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await sha256(Uint8Array.of(1), r, sibling);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  const root = header.subarray(56, 88);
  if (sn !== 0n || !r.every((b, i) => b === root[i])) throw new Error("the proof does not lead to the block's root");
  return { height: block.height, index: proof.index, size: proof.size, transfer: JSON.parse(new TextDecoder().decode(payload)) };
}

function bytes58(text, length, what) {
  let bytes;
  try {
    bytes = base58.decode(text);
  } catch {
    throw new Error(`${what} is not base58`);
  }
  if (bytes.length !== length) throw new Error(`${what} has the wrong length`);
  return bytes;
}

function base64(text) {
  if (typeof text !== 'string') throw new Error('not base64');
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function sha256(...parts) {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}
