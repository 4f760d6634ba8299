#!/usr/bin/env node
// The reference side of Earnest's Solana encoding tests: builds, signs and serializes transactions with @solana/kit
// and the program clients (@solana-program/token, memo, system), from a JSON description of each case, so the C#
// encoder (src/Earnest.Solana) can be compared with them byte for byte (tests/Earnest.Tests/Solana).
//
// Usage: node encode.mjs CASES.json   — prints one JSON document to stdout:
//   { "transactions": [{ "name", "wire": base64 } | { "name", "error": message }],
//     "addresses": [{ "address", "bump" }], "onCurve": [true | false], "order": [-1 | 0 | 1] }
//
// CASES.json:
//   { "transactions": [{
//       "name": "…", "version": "legacy" | 0,
//       "keys": ["<32-byte seed, hex>", …],        key pairs this case knows (a signer without a key is a noop signer)
//       "signWith": [0, 2],                         indexes into keys of the keys that sign (others leave zeros)
//       "feePayer": A, "blockhash": "<base58>",
//       "instructions": [
//         { "type": "transferChecked", "source": A, "mint": A, "destination": A, "authority": A,
//           "amount": "<decimal u64>", "decimals": n, "multiSigners": [A, …] },
//         { "type": "createAssociatedTokenIdempotent", "payer": A, "ata": A, "owner": A, "mint": A },
//         { "type": "memo", "text": "…", "signers": [A, …], "program": A },   program: the client's default if absent
//         { "type": "transferSol", "source": A, "destination": A, "lamports": "<decimal u64>" },
//         { "type": "raw", "program": A, "data": "<hex>",
//           "accounts": [{ "address": A, "signer": bool, "writable": bool, "lookup": { "table": A, "index": n } }] } ] }],
//     "programAddresses": [{ "program": A, "seeds": ["<hex>", …] } | { "ata": { "owner": A, "mint": A } }],
//     "curve": ["<32 bytes, hex>", …],
//     "compare": [["<base58>", "<base58>"], …] }              the sign of kit's address comparator on each pair
//   where an account A is a base58 address, or { "ata": { "owner": A, "mint": A } } for the associated token account
//   that findAssociatedTokenPda derives here.

import { readFileSync } from 'node:fs';
import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createKeyPairSignerFromPrivateKeyBytes,
  createNoopSigner,
  createTransactionMessage,
  getAddressComparator,
  getAddressDecoder,
  getBase64EncodedWireTransaction,
  getProgramDerivedAddress,
  isOffCurveAddress,
  partiallySignTransaction,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { getAddMemoInstruction } from '@solana-program/memo';
import { getTransferSolInstruction } from '@solana-program/system';

const hex = text => Uint8Array.from(Buffer.from(text, 'hex'));

async function resolve(account) {
  if (typeof account === 'string') return address(account);
  if (account && account.ata) {
    const [ata] = await findAssociatedTokenPda({
      owner: await resolve(account.ata.owner),
      mint: await resolve(account.ata.mint),
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    });
    return ata;
  }
  throw new Error(`not an account: ${JSON.stringify(account)}`);
}

function role(signer, writable) {
  if (signer) return writable ? AccountRole.WRITABLE_SIGNER : AccountRole.READONLY_SIGNER;
  return writable ? AccountRole.WRITABLE : AccountRole.READONLY;
}

async function buildTransaction(spec) {
  const keyPairSigners = await Promise.all(spec.keys.map(seed => createKeyPairSignerFromPrivateKeyBytes(hex(seed))));
  const byAddress = new Map(keyPairSigners.map(signer => [signer.address, signer]));
  // A signer position takes a TransactionSigner: the key pair when the case has its key, else a noop signer.
  const signerFor = async account => {
    const at = await resolve(account);
    return byAddress.get(at) ?? createNoopSigner(at);
  };

  const instructions = [];
  for (const ix of spec.instructions) {
    switch (ix.type) {
      case 'transferChecked': {
        const multiSigners = await Promise.all((ix.multiSigners ?? []).map(signerFor));
        instructions.push(getTransferCheckedInstruction({
          source: await resolve(ix.source),
          mint: await resolve(ix.mint),
          destination: await resolve(ix.destination),
          authority: multiSigners.length > 0 ? await resolve(ix.authority) : await signerFor(ix.authority),
          amount: BigInt(ix.amount),
          decimals: ix.decimals,
          multiSigners,
        }));
        break;
      }
      case 'createAssociatedTokenIdempotent':
        instructions.push(getCreateAssociatedTokenIdempotentInstruction({
          payer: await signerFor(ix.payer),
          ata: await resolve(ix.ata),
          owner: await resolve(ix.owner),
          mint: await resolve(ix.mint),
        }));
        break;
      case 'memo':
        instructions.push(getAddMemoInstruction({
          memo: ix.text,
          signers: await Promise.all((ix.signers ?? []).map(signerFor)),
        }, ix.program ? { programAddress: await resolve(ix.program) } : undefined));
        break;
      case 'transferSol':
        instructions.push(getTransferSolInstruction({
          source: await signerFor(ix.source),
          destination: await resolve(ix.destination),
          amount: BigInt(ix.lamports),
        }));
        break;
      case 'raw': {
        const accounts = [];
        for (const meta of ix.accounts) {
          const at = await resolve(meta.address);
          accounts.push(meta.lookup
            ? { address: at, addressIndex: meta.lookup.index, lookupTableAddress: await resolve(meta.lookup.table),
              role: role(false, meta.writable) }
            : { address: at, role: role(meta.signer, meta.writable) });
        }
        instructions.push({ programAddress: await resolve(ix.program), accounts, data: hex(ix.data) });
        break;
      }
      default:
        throw new Error(`unknown instruction type ${ix.type}`);
    }
  }

  const message = pipe(
    createTransactionMessage({ version: spec.version }),
    m => setTransactionMessageFeePayer(address(spec.feePayer), m),
    m => setTransactionMessageLifetimeUsingBlockhash({ blockhash: spec.blockhash, lastValidBlockHeight: 0n }, m),
    m => appendTransactionMessageInstructions(instructions, m),
  );
  const transaction = compileTransaction(message);
  const signing = (spec.signWith ?? spec.keys.map((_, i) => i)).map(i => keyPairSigners[i].keyPair);
  const signed = await partiallySignTransaction(signing, transaction);
  return getBase64EncodedWireTransaction(signed);
}

async function programAddress(spec) {
  if (spec.ata) {
    const [at, bump] = await findAssociatedTokenPda({
      owner: await resolve(spec.ata.owner),
      mint: await resolve(spec.ata.mint),
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    });
    return { address: at, bump };
  }
  const [at, bump] = await getProgramDerivedAddress({
    programAddress: await resolve(spec.program),
    seeds: spec.seeds.map(hex),
  });
  return { address: at, bump };
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const transactions = [];
for (const spec of input.transactions ?? []) {
  try {
    transactions.push({ name: spec.name, wire: await buildTransaction(spec) });
  } catch (e) {
    transactions.push({ name: spec.name, error: String(e?.message ?? e) });
  }
}
const addresses = [];
for (const spec of input.programAddresses ?? []) addresses.push(await programAddress(spec));
const decoder = getAddressDecoder();
const onCurve = (input.curve ?? []).map(bytes => !isOffCurveAddress(decoder.decode(hex(bytes))));
const comparator = getAddressComparator();
const order = (input.compare ?? []).map(([x, y]) => Math.sign(comparator(x, y)));
process.stdout.write(JSON.stringify({ transactions, addresses, onCurve, order }) + '\n');
