// A wallet in the browser: an Ed25519 key made and used with WebCrypto, kept in this browser's storage.
// The backup form is the same as `earnest wallet`: base58 of 64 bytes (32-byte seed ‖ 32-byte public key); a Solana
// CLI key file (a JSON array of 64 numbers) imports too.
import * as base58 from './base58.js';

const STORAGE = 'earnest.wallet';
// PKCS #8 for an Ed25519 private key is this fixed prefix followed by the 32-byte seed (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

export class Wallet {
  constructor(privateKey, seed, publicKey) {
    this.privateKey = privateKey;
    this.seed = seed;
    this.publicKey = publicKey;
    this.address = base58.encode(publicKey);
  }

  /** Makes a new key. */
  static async create() {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
    return Wallet.fromSeed(pkcs8.slice(pkcs8.length - 32));
  }

  /** Reads a backup: base58 of seed ‖ public key, or a JSON array of 64 numbers. Throws Error('invalid-secret'). */
  static async import(text) {
    const trimmed = (text ?? '').trim();
    let bytes;
    try {
      bytes = trimmed.startsWith('[') ? Uint8Array.from(JSON.parse(trimmed)) : base58.decode(trimmed);
    } catch {
      throw new Error('invalid-secret');
    }
    if (bytes.length !== 64) throw new Error('invalid-secret');
    const wallet = await Wallet.fromSeed(bytes.slice(0, 32));
    if (!wallet.publicKey.every((b, i) => b === bytes[32 + i])) throw new Error('invalid-secret');
    return wallet;
  }

  static async fromSeed(seed) {
    const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32);
    pkcs8.set(PKCS8_PREFIX);
    pkcs8.set(seed, PKCS8_PREFIX.length);
    const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', privateKey);
    const publicKey = fromBase64Url(jwk.x);
    return new Wallet(privateKey, seed, publicKey);
  }

  /** The backup text: base58 of seed ‖ public key, as `earnest wallet new` writes it. */
  exportSecret() {
    const both = new Uint8Array(64);
    both.set(this.seed);
    both.set(this.publicKey, 32);
    return base58.encode(both);
  }

  /** Signs the exact UTF-8 bytes of a text; returns the base58 signature. */
  async signText(text) {
    const signature = await crypto.subtle.sign({ name: 'Ed25519' }, this.privateKey, new TextEncoder().encode(text));
    return base58.encode(new Uint8Array(signature));
  }

  /** Keeps the wallet in this browser (under `slot`, so the dashboard and the app can hold different keys). */
  save(slot = 'app') {
    localStorage.setItem(`${STORAGE}.${slot}`, this.exportSecret());
  }

  static async load(slot = 'app') {
    const secret = localStorage.getItem(`${STORAGE}.${slot}`);
    return secret ? Wallet.import(secret) : null;
  }

  static forget(slot = 'app') {
    localStorage.removeItem(`${STORAGE}.${slot}`);
  }
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

/** True when this browser's WebCrypto signs with Ed25519. */
export async function supported() {
  try {
    await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign']);
    return true;
  } catch {
    return false;
  }
}
