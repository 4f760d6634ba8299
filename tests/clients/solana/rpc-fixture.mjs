#!/usr/bin/env node
// A Solana JSON-RPC 2.0 server for Earnest's tests, on top of LiteSVM: the real Solana runtime (the SVM, the builtin
// programs) with the real SPL Token, Associated Token Account and Memo programs loaded (litesvm's defaults), in this
// process, with no validator, no network and no disk. The C# RPC client (src/Earnest.Solana/Rpc) talks to it exactly
// as it talks to a real node; what differs from a real node is listed in docs/solana.md ("The test fixture").
//
// Usage: node rpc-fixture.mjs [--port N] [--exit-on-stdin-close] [--p-token]
//   Listens on 127.0.0.1 (port 0, the default, lets the system choose) and prints one JSON line on stdout once it
//   listens: {"url":"http://127.0.0.1:PORT"}. --exit-on-stdin-close ends the process when its standard input closes,
//   so a test runner that dies cannot leave it behind. --p-token runs p-token as the token program (see below).
//
// Solana methods: getLatestBlockhash, sendTransaction, getSignatureStatuses, getTransaction, getTokenAccountBalance,
// getBalance, getAccountInfo, getMinimumBalanceForRentExemption, getSignaturesForAddress, getBlockHeight, getSlot,
// isBlockhashValid, getHealth.
// Test-control methods (named parameters):
//   fixture_airdrop {address, lamports}                  adds lamports to an account (creating a system account)
//   fixture_createMint {decimals, mintAuthority?, freezeAuthority?}
//                                                        a new mint, by a real transaction; the authority defaults to
//                                                        the fixture's own key, which fixture_mintTo can sign for
//   fixture_createTokenAccount {mint, owner}             the owner's associated token account, by a real transaction
//   fixture_mintTo {mint, destination, amount}           MintTo signed by the fixture's key (the mint's authority)
//   fixture_expireBlockhash {}                           moves 151 slots on and expires the blockhash: every
//                                                        transaction signed over an older one is refused from now on
//   fixture_dropNext {count}                             the next `count` sendTransaction calls answer their signature
//                                                        and do nothing, as when a leader drops a transaction
//   fixture_warp {slot}                                  moves the clock forward; past the blockhash's last valid
//                                                        block height, the blockhash expires

import { createServer } from 'node:http';
import { FailedTransactionMetadata, FeatureSet, LiteSVM } from 'litesvm';
import {
  InstructionErrorBorshIo,
  InstructionErrorCustom,
  TransactionErrorDuplicateInstruction,
  TransactionErrorInstructionError,
  TransactionErrorInsufficientFundsForRent,
  TransactionErrorProgramExecutionTemporarilyRestricted,
} from 'litesvm/dist/internal.js';
import {
  address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase58Decoder,
  getBase58Encoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  getTransactionEncoder,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import { getCreateAccountInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  getMintDecoder,
  getMintSize,
  getMintToInstruction,
  getTokenDecoder,
  getTokenSize,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { getAddMemoInstruction } from '@solana-program/memo';

const PACKET_SIZE = 1232;
const MAX_PROCESSING_AGE = 150n; // blocks a blockhash stays valid on a real cluster
const U64_MAX = 18446744073709551615n;
const MEMO_V1 = 'Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo';
const MEMO_V3 = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr';
const COMMITMENTS = ['processed', 'confirmed', 'finalized'];
const P_TOKEN_FEATURE = 'ptokFjwyJtrwCa9Kgo9xoDS59V4QccBGEaRFnRPnSdP'; // replace_spl_token_with_p_token

// ---- the chain ---------------------------------------------------------------------------------------------------

// LiteSVM's own default (new LiteSVM()) activates every feature, among them SIMD-0266's replacement of SPL Token by
// p-token. Without --p-token the fixture leaves that one inactive, so the token program that runs is SPL Token 3.5.0,
// the program mainnet has long run; --p-token runs its drop-in replacement (same instructions and errors, far fewer
// compute units). Everything else is as new LiteSVM() makes it: all other features, the builtins, the sysvars, the
// precompiles, the SPL programs, signature and blockhash checks.
const features = FeatureSet.allEnabled();
if (!process.argv.includes('--p-token')) features.deactivate(getBase58Encoder().encode(P_TOKEN_FEATURE));
const svm = LiteSVM.default()
  .withFeatureSet(features)
  .withBuiltins()
  .withLamports(1_000_000_000_000_000n)
  .withSysvars()
  .withPrecompiles()
  .withDefaultPrograms()
  .withSigverify(true)
  .withBlockhashCheck(true);
const base58 = { encode: bytes => getBase58Decoder().decode(bytes), decode: text => getBase58Encoder().encode(text) };
/** signature → what getTransaction and getSignatureStatuses answer about a landed transaction */
const landed = new Map();
/** address → signatures of landed transactions naming it, oldest first */
const byAddress = new Map();
let dropping = 0;
let blockhashSlot = svm.getClock().slot; // the slot the current blockhash was issued in
const fixtureKey = await generateKeyPairSigner(); // pays for the setup transactions and is the default mint authority
const setAccountLamports = (target, amount) => {
  const account = svm.getAccount(target);
  svm.setAccount(account.exists
    ? { ...account, lamports: lamports(account.lamports + amount) }
    : { address: target, lamports: lamports(amount), data: new Uint8Array(0), programAddress: address('11111111111111111111111111111111'), executable: false });
};
setAccountLamports(fixtureKey.address, 1_000_000n * 1_000_000_000n);
let setupCounter = 0;

const slot = () => svm.getClock().slot;
/** Keeps the clock's Unix time at the wall clock's (LiteSVM starts it at 0), so block times are real ones. */
function tick() {
  const clock = svm.getClock();
  clock.unixTimestamp = BigInt(Math.floor(Date.now() / 1000));
  svm.setClock(clock);
}
/** LiteSVM has no blocks; the fixture's block height is the clock's slot (no slot is skipped). */
const blockHeight = () => slot();
const lastValidBlockHeight = () => blockhashSlot + MAX_PROCESSING_AGE;
const context = () => ({ slot: slot() });

function expireBlockhash(atSlot) {
  if (atSlot > slot()) svm.warpToSlot(atSlot);
  svm.expireBlockhash();
  blockhashSlot = slot();
}

// ---- errors ------------------------------------------------------------------------------------------------------

class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

const invalidParams = detail => new RpcError(-32602, `Invalid params: ${detail}`);

// The names of litesvm's fieldless errors (const enums in its typings, so not present at run time), in enum order.
const TRANSACTION_ERRORS = ['AccountInUse', 'AccountLoadedTwice', 'AccountNotFound', 'ProgramAccountNotFound',
  'InsufficientFundsForFee', 'InvalidAccountForFee', 'AlreadyProcessed', 'BlockhashNotFound', 'CallChainTooDeep',
  'MissingSignatureForFee', 'InvalidAccountIndex', 'SignatureFailure', 'InvalidProgramForExecution', 'SanitizeFailure',
  'ClusterMaintenance', 'AccountBorrowOutstanding', 'WouldExceedMaxBlockCostLimit', 'UnsupportedVersion',
  'InvalidWritableAccount', 'WouldExceedMaxAccountCostLimit', 'WouldExceedAccountDataBlockLimit', 'TooManyAccountLocks',
  'AddressLookupTableNotFound', 'InvalidAddressLookupTableOwner', 'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex', 'InvalidRentPayingAccount', 'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit', 'MaxLoadedAccountsDataSizeExceeded', 'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit', 'UnbalancedTransaction', 'ProgramCacheHitMaxLimit', 'CommitCancelled'];
const INSTRUCTION_ERRORS = ['GenericError', 'InvalidArgument', 'InvalidInstructionData', 'InvalidAccountData',
  'AccountDataTooSmall', 'InsufficientFunds', 'IncorrectProgramId', 'MissingRequiredSignature',
  'AccountAlreadyInitialized', 'UninitializedAccount', 'UnbalancedInstruction', 'ModifiedProgramId',
  'ExternalAccountLamportSpend', 'ExternalAccountDataModified', 'ReadonlyLamportChange', 'ReadonlyDataModified',
  'DuplicateAccountIndex', 'ExecutableModified', 'RentEpochModified', 'NotEnoughAccountKeys', 'AccountDataSizeChanged',
  'AccountNotExecutable', 'AccountBorrowFailed', 'AccountBorrowOutstanding', 'DuplicateAccountOutOfSync',
  'InvalidError', 'ExecutableDataModified', 'ExecutableLamportChange', 'ExecutableAccountNotRentExempt',
  'UnsupportedProgramId', 'CallDepth', 'MissingAccount', 'ReentrancyNotAllowed', 'MaxSeedLengthExceeded',
  'InvalidSeeds', 'InvalidRealloc', 'ComputationalBudgetExceeded', 'PrivilegeEscalation',
  'ProgramEnvironmentSetupFailure', 'ProgramFailedToComplete', 'ProgramFailedToCompile', 'Immutable',
  'IncorrectAuthority', 'AccountNotRentExempt', 'InvalidAccountOwner', 'ArithmeticOverflow', 'UnsupportedSysvar',
  'IllegalOwner', 'MaxAccountsDataAllocationsExceeded', 'MaxAccountsExceeded', 'MaxInstructionTraceLengthExceeded',
  'BuiltinProgramsMustConsumeComputeUnits', 'BorshIoError'];
// The texts a validator shows for them (their Display), for the common ones; the name otherwise.
const TRANSACTION_ERROR_TEXT = {
  AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
  ProgramAccountNotFound: 'Attempt to load a program that does not exist',
  InsufficientFundsForFee: 'Insufficient funds for fee',
  AlreadyProcessed: 'This transaction has already been processed',
  BlockhashNotFound: 'Blockhash not found',
  SignatureFailure: 'Transaction did not pass signature verification',
  SanitizeFailure: 'Transaction failed to sanitize accounts offsets correctly',
};
const INSTRUCTION_ERROR_TEXT = {
  GenericError: 'generic instruction error',
  InvalidArgument: 'invalid program argument',
  InvalidInstructionData: 'invalid instruction data',
  InvalidAccountData: 'invalid account data for instruction',
  InsufficientFunds: 'insufficient funds for instruction',
  IncorrectProgramId: 'incorrect program id for instruction',
  MissingRequiredSignature: 'missing required signature for instruction',
  AccountAlreadyInitialized: 'instruction requires an uninitialized account',
  UninitializedAccount: 'instruction requires an initialized account',
  IllegalOwner: 'Provided owner is not allowed',
};

/** A litesvm transaction error as a validator writes it in JSON (`err`), and its text. */
function describeError(err) {
  if (typeof err === 'number') {
    const name = TRANSACTION_ERRORS[err] ?? `TransactionError${err}`;
    return { json: name, text: TRANSACTION_ERROR_TEXT[name] ?? name };
  }
  if (err instanceof TransactionErrorInstructionError) {
    const inner = err.err();
    let json, text;
    if (typeof inner === 'number') {
      json = INSTRUCTION_ERRORS[inner] ?? `InstructionError${inner}`;
      text = INSTRUCTION_ERROR_TEXT[json] ?? json;
    } else if (inner instanceof InstructionErrorCustom) {
      json = { Custom: inner.code };
      text = `custom program error: 0x${inner.code.toString(16)}`;
    } else if (inner instanceof InstructionErrorBorshIo) {
      json = { BorshIoError: inner.msg };
      text = `Failed to serialize or deserialize account data: ${inner.msg}`;
    } else {
      json = String(inner);
      text = json;
    }
    return { json: { InstructionError: [err.index, json] }, text: `Error processing Instruction ${err.index}: ${text}` };
  }
  if (err instanceof TransactionErrorDuplicateInstruction) {
    return { json: { DuplicateInstruction: err.index },
      text: `Transaction contains a duplicate instruction (${err.index}) that is not allowed` };
  }
  if (err instanceof TransactionErrorInsufficientFundsForRent) {
    return { json: { InsufficientFundsForRent: { account_index: err.accountIndex } },
      text: `Transaction results in an account (${err.accountIndex}) with insufficient funds for rent` };
  }
  if (err instanceof TransactionErrorProgramExecutionTemporarilyRestricted) {
    return { json: { ProgramExecutionTemporarilyRestricted: { account_index: err.accountIndex } },
      text: `Execution of the program referenced by account at index ${err.accountIndex} is temporarily restricted.` };
  }
  return { json: String(err), text: String(err) };
}

/** The error a validator's preflight answers for a transaction that failed its simulation. */
function preflightError(failed) {
  const { json, text } = describeError(failed.err());
  if (json === 'SignatureFailure') return new RpcError(-32003, 'Transaction signature verification failure');
  const meta = failed.meta();
  return new RpcError(-32002, `Transaction simulation failed: ${text}`, {
    accounts: null,
    err: json,
    innerInstructions: null,
    logs: meta.logs(),
    replacementBlockhash: null,
    returnData: null,
    unitsConsumed: meta.computeUnitsConsumed(),
  });
}

// ---- transactions ------------------------------------------------------------------------------------------------

/** Reads a wire transaction; a validator's -32602 when it is not one. */
function decodeTransaction(bytes) {
  if (bytes.length > PACKET_SIZE) {
    throw invalidParams(`base64 encoded solana_transaction::versioned::VersionedTransaction too large: ${bytes.length} bytes (max: encoded/raw ${Math.ceil(PACKET_SIZE / 3) * 4}/${PACKET_SIZE})`);
  }
  try {
    const transaction = getTransactionDecoder().decode(bytes);
    const message = getCompiledTransactionMessageDecoder().decode(transaction.messageBytes);
    const signatureCount = bytes[0]; // at most 12 signatures fit a packet, so the count is one byte
    if (signatureCount === 0 || signatureCount !== message.header.numSignerAccounts) throw new Error('signature count');
    const signature = base58.encode(bytes.subarray(1, 65));
    return { transaction, message, signature, bytes };
  } catch (e) {
    throw invalidParams(`failed to deserialize solana_transaction::versioned::VersionedTransaction: ${e.message}`);
  }
}

function lamportsOf(key) {
  return svm.getBalance(address(key)) ?? 0n;
}

/** The token balances (as getTransaction's meta lists them) of the accounts that are SPL token accounts. */
function tokenBalances(keys) {
  const balances = [];
  keys.forEach((key, accountIndex) => {
    const account = svm.getAccount(address(key));
    if (!account.exists || account.programAddress !== TOKEN_PROGRAM_ADDRESS || account.data.length !== getTokenSize()) return;
    const token = getTokenDecoder().decode(account.data);
    const decimals = mintDecimals(token.mint);
    balances.push({
      accountIndex,
      mint: token.mint,
      owner: token.owner,
      programId: TOKEN_PROGRAM_ADDRESS,
      uiTokenAmount: uiAmount(token.amount, decimals),
    });
  });
  return balances;
}

function mintDecimals(mint) {
  const account = svm.getAccount(address(mint));
  return account.exists && account.data.length === getMintSize() ? getMintDecoder().decode(account.data).decimals : 0;
}

/** An amount of base units as the RPC writes it: the integer as text, decimals, and the decimal text (trimmed). */
function uiAmount(amount, decimals) {
  const digits = amount.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  const uiAmountString = fraction.length > 0 ? `${whole}.${fraction}` : whole;
  return { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString };
}

/** The memos of a message, as getSignaturesForAddress gives them: "[length] text", joined by "; " (memo v1 and v3). */
function memosOf(message) {
  const memos = [];
  for (const instruction of message.instructions) {
    const program = message.staticAccounts[instruction.programAddressIndex];
    if (program !== MEMO_V1 && program !== MEMO_V3) continue;
    const data = instruction.data ?? new Uint8Array(0);
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      text = '(unparseable)';
    }
    memos.push(`[${data.length}] ${text}`);
  }
  return memos.length > 0 ? memos.join('; ') : null;
}

/**
 * Executes a decoded transaction. When the runtime takes it (it succeeded, or it failed while executing and paid its
 * fee) it is recorded and indexed. Returns litesvm's result and whether it landed.
 */
function execute(decoded) {
  tick();
  const keys = decoded.message.staticAccounts;
  const alreadyKnown = svm.getTransaction(decoded.signature) !== null;
  const preBalances = keys.map(lamportsOf);
  const preTokenBalances = tokenBalances(keys);
  const result = svm.sendTransaction(decoded.transaction);
  const included = !alreadyKnown && svm.getTransaction(decoded.signature) !== null;
  if (included) {
    const postBalances = keys.map(lamportsOf);
    const meta = result instanceof FailedTransactionMetadata ? result.meta() : result;
    const err = result instanceof FailedTransactionMetadata ? describeError(result.err()).json : null;
    const record = {
      slot: slot(),
      blockTime: Number(svm.getClock().unixTimestamp),
      decoded,
      err,
      // Lamports only leave a transaction's accounts as its fee: what they held before less what they hold after.
      fee: preBalances.reduce((a, b) => a + b, 0n) - postBalances.reduce((a, b) => a + b, 0n),
      preBalances,
      postBalances,
      preTokenBalances,
      postTokenBalances: tokenBalances(keys),
      logMessages: meta.logs(),
      innerInstructions: meta.innerInstructions(),
      computeUnitsConsumed: meta.computeUnitsConsumed(),
      memo: memosOf(decoded.message),
    };
    landed.set(decoded.signature, record);
    for (const key of new Set(keys)) {
      if (!byAddress.has(key)) byAddress.set(key, []);
      byAddress.get(key).push(decoded.signature);
    }
  }
  return { result, included };
}

/** Builds, signs and executes a setup transaction paid by the fixture's key; throws when it fails. */
async function setup(instructions) {
  setupCounter++;
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    m => setTransactionMessageFeePayerSigner(fixtureKey, m),
    m => setTransactionMessageLifetimeUsingBlockhash({ blockhash: svm.latestBlockhash(), lastValidBlockHeight: lastValidBlockHeight() }, m),
    // The memo makes every setup transaction distinct: two equal ones over one blockhash would be one transaction.
    m => appendTransactionMessageInstructions([...instructions, getAddMemoInstruction({ memo: `fixture setup ${setupCounter}` }, { programAddress: address(MEMO_V3) })], m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  const decoded = decodeTransaction(new Uint8Array(getTransactionEncoder().encode(signed)));
  const { result, included } = execute(decoded);
  if (!included || result instanceof FailedTransactionMetadata) {
    const { text } = describeError(result.err());
    throw new RpcError(-32000, `fixture setup transaction failed: ${text}`, { logs: result.meta().logs() });
  }
  return decoded.signature;
}

// ---- parameters --------------------------------------------------------------------------------------------------

function positional(params, index, what) {
  if (!Array.isArray(params) || params.length <= index || params[index] === null || params[index] === undefined) {
    throw invalidParams(`expected ${what} as parameter ${index}`);
  }
  return params[index];
}

function config(params, index) {
  const value = Array.isArray(params) ? params[index] : undefined;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParams(`parameter ${index} must be a configuration object`);
  if (value.commitment !== undefined && !COMMITMENTS.includes(value.commitment)) {
    throw invalidParams(`unknown variant \`${value.commitment}\`, expected one of \`processed\`, \`confirmed\`, \`finalized\``);
  }
  return value;
}

function addressParam(text, what = 'address') {
  if (typeof text !== 'string') throw invalidParams(`${what} must be a base58 string`);
  try {
    return address(text);
  } catch {
    throw invalidParams(`${what} ${JSON.stringify(text)} is not a base58 address`);
  }
}

function named(params, name, type) {
  const value = params?.[name];
  const valid = type === 'integer'
    ? (Number.isInteger(value) && value >= 0) || (typeof value === 'string' && /^\d+$/.test(value))
    : typeof value === type;
  if (value === undefined || value === null || !valid) {
    throw invalidParams(`expected "${name}" (${type})`);
  }
  return type === 'integer' ? BigInt(value) : value;
}

// ---- JSON views --------------------------------------------------------------------------------------------------

function transactionJson(decoded, encoding) {
  if (encoding === 'base64') return [Buffer.from(decoded.bytes).toString('base64'), 'base64'];
  if (encoding === 'base58') return [base58.encode(decoded.bytes), 'base58'];
  const { message } = decoded;
  const json = {
    signatures: Object.values(decoded.transaction.signatures).map(s => (s ? base58.encode(s) : '1'.repeat(64))),
    message: {
      header: {
        numRequiredSignatures: message.header.numSignerAccounts,
        numReadonlySignedAccounts: message.header.numReadonlySignerAccounts,
        numReadonlyUnsignedAccounts: message.header.numReadonlyNonSignerAccounts,
      },
      accountKeys: message.staticAccounts,
      recentBlockhash: message.lifetimeToken,
      instructions: message.instructions.map(i => ({
        programIdIndex: i.programAddressIndex,
        accounts: i.accountIndices ?? [],
        data: base58.encode(i.data ?? new Uint8Array(0)),
        stackHeight: null,
      })),
    },
  };
  if (message.version !== 'legacy') {
    json.message.addressTableLookups = (message.addressTableLookups ?? []).map(l => ({
      accountKey: l.lookupTableAddress,
      writableIndexes: l.writableIndexes ?? l.writableIndices ?? [],
      readonlyIndexes: l.readonlyIndexes ?? l.readonlyIndices ?? [],
    }));
  }
  return json;
}

function metaJson(record) {
  return {
    err: record.err,
    status: record.err === null ? { Ok: null } : { Err: record.err },
    fee: record.fee,
    preBalances: record.preBalances,
    postBalances: record.postBalances,
    innerInstructions: record.innerInstructions
      .map((inner, index) => ({
        index,
        instructions: inner.map(i => {
          const compiled = i.instruction();
          return {
            programIdIndex: compiled.programIdIndex(),
            accounts: [...compiled.accounts()],
            data: base58.encode(compiled.data()),
            stackHeight: i.stackHeight(),
          };
        }),
      }))
      .filter(i => i.instructions.length > 0),
    logMessages: record.logMessages,
    preTokenBalances: record.preTokenBalances,
    postTokenBalances: record.postTokenBalances,
    rewards: [],
    loadedAddresses: { writable: [], readonly: [] },
    computeUnitsConsumed: record.computeUnitsConsumed,
  };
}

// ---- methods -----------------------------------------------------------------------------------------------------

const methods = {
  getHealth: () => 'ok',
  getSlot: params => (config(params, 0), slot()),
  getBlockHeight: params => (config(params, 0), blockHeight()),

  getLatestBlockhash(params) {
    config(params, 0);
    return { context: context(), value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: lastValidBlockHeight() } };
  },

  isBlockhashValid(params) {
    const blockhash = positional(params, 0, 'a blockhash');
    config(params, 1);
    return { context: context(), value: blockhash === svm.latestBlockhash() };
  },

  getMinimumBalanceForRentExemption(params) {
    const size = positional(params, 0, 'the data length');
    if (!Number.isInteger(size) || size < 0) throw invalidParams('the data length must be a non-negative integer');
    config(params, 1);
    return svm.minimumBalanceForRentExemption(BigInt(size));
  },

  getBalance(params) {
    const key = addressParam(positional(params, 0, 'an address'));
    config(params, 1);
    return { context: context(), value: lamportsOf(key) };
  },

  getAccountInfo(params) {
    const key = addressParam(positional(params, 0, 'an address'));
    const { encoding = 'base58' } = config(params, 1);
    if (encoding !== 'base64' && encoding !== 'base58') {
      throw invalidParams(`the fixture answers getAccountInfo in base64 or base58, not ${encoding}`);
    }
    const account = svm.getAccount(key);
    if (!account.exists) return { context: context(), value: null };
    return {
      context: context(),
      value: {
        data: [encoding === 'base64' ? Buffer.from(account.data).toString('base64') : base58.encode(account.data), encoding],
        executable: account.executable,
        lamports: account.lamports,
        owner: account.programAddress,
        rentEpoch: U64_MAX, // every account is rent-exempt on current clusters, which report this
        space: account.data.length,
      },
    };
  },

  getTokenAccountBalance(params) {
    const key = addressParam(positional(params, 0, 'a token account address'));
    config(params, 1);
    const account = svm.getAccount(key);
    if (!account.exists) throw invalidParams('could not find account');
    if (account.programAddress !== TOKEN_PROGRAM_ADDRESS || account.data.length !== getTokenSize()) {
      throw invalidParams('not a Token account');
    }
    const token = getTokenDecoder().decode(account.data);
    const { amount, decimals, uiAmount: ui, uiAmountString } = uiAmount(token.amount, mintDecimals(token.mint));
    return { context: context(), value: { amount, decimals, uiAmount: ui, uiAmountString } };
  },

  sendTransaction(params) {
    const encoded = positional(params, 0, 'a wire transaction');
    const { encoding = 'base58', skipPreflight = false } = config(params, 1);
    let bytes;
    if (encoding === 'base64') bytes = new Uint8Array(Buffer.from(encoded, 'base64'));
    else if (encoding === 'base58') bytes = base58.decode(encoded);
    else throw invalidParams(`unknown variant \`${encoding}\`, expected \`base58\` or \`base64\``);
    const decoded = decodeTransaction(bytes);
    if (dropping > 0) {
      dropping--;
      return decoded.signature;
    }
    // The status cache: the same signed bytes are processed at most once, however often they are sent.
    if (landed.has(decoded.signature)) {
      if (skipPreflight) return decoded.signature;
      throw new RpcError(-32002, `Transaction simulation failed: ${TRANSACTION_ERROR_TEXT.AlreadyProcessed}`, {
        accounts: null, err: 'AlreadyProcessed', innerInstructions: null, logs: [], replacementBlockhash: null,
        returnData: null, unitsConsumed: 0,
      });
    }
    if (!skipPreflight) {
      const simulated = svm.simulateTransaction(decoded.transaction);
      if (simulated instanceof FailedTransactionMetadata) throw preflightError(simulated);
    }
    const { result, included } = execute(decoded);
    if (result instanceof FailedTransactionMetadata && !included && describeError(result.err()).json === 'SignatureFailure') {
      throw preflightError(result);
    }
    // With skipPreflight a transaction the runtime refuses is answered with its signature and never lands.
    return decoded.signature;
  },

  getSignatureStatuses(params) {
    const signatures = positional(params, 0, 'a list of signatures');
    if (!Array.isArray(signatures)) throw invalidParams('the signatures must be a list');
    if (signatures.length > 256) throw invalidParams('Too many inputs provided; max 256');
    config(params, 1);
    return {
      context: context(),
      value: signatures.map(signature => {
        const record = landed.get(signature);
        return record
          ? { slot: record.slot, confirmations: null, err: record.err, status: record.err === null ? { Ok: null } : { Err: record.err }, confirmationStatus: 'finalized' }
          : null;
      }),
    };
  },

  getTransaction(params) {
    const signature = positional(params, 0, 'a signature');
    const { encoding = 'json', maxSupportedTransactionVersion } = config(params, 1);
    if (!['json', 'base64', 'base58'].includes(encoding)) {
      throw invalidParams(`the fixture answers getTransaction in json, base64 or base58, not ${encoding}`);
    }
    const record = landed.get(signature);
    if (!record) return null;
    const version = record.decoded.message.version;
    if (version !== 'legacy' && (maxSupportedTransactionVersion === undefined || maxSupportedTransactionVersion < version)) {
      throw new RpcError(-32015, `Transaction version (${version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": ${version}`);
    }
    return {
      slot: record.slot,
      blockTime: record.blockTime,
      version,
      transaction: transactionJson(record.decoded, encoding),
      meta: metaJson(record),
    };
  },

  getSignaturesForAddress(params) {
    const key = addressParam(positional(params, 0, 'an address'));
    const { limit = 1000, before, until } = config(params, 1);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidParams('Invalid limit; max 1000');
    const all = byAddress.get(key) ?? [];
    const found = [];
    let started = before === undefined;
    for (let i = all.length - 1; i >= 0 && found.length < limit; i--) {
      const signature = all[i];
      if (!started) {
        started = signature === before;
        continue;
      }
      if (signature === until) break;
      const record = landed.get(signature);
      found.push({ signature, slot: record.slot, err: record.err, memo: record.memo, blockTime: record.blockTime, confirmationStatus: 'finalized' });
    }
    return found;
  },

  // ---- test control ----

  fixture_airdrop(params) {
    const key = addressParam(named(params, 'address', 'string'));
    setAccountLamports(key, named(params, 'lamports', 'integer'));
    return { lamports: lamportsOf(key) };
  },

  async fixture_createMint(params) {
    const decimals = Number(named(params, 'decimals', 'integer'));
    const mintAuthority = params.mintAuthority ? addressParam(params.mintAuthority, 'mintAuthority') : fixtureKey.address;
    const freezeAuthority = params.freezeAuthority ? addressParam(params.freezeAuthority, 'freezeAuthority') : null;
    const mint = await generateKeyPairSigner();
    const signature = await setup([
      getCreateAccountInstruction({
        payer: fixtureKey, newAccount: mint, lamports: svm.minimumBalanceForRentExemption(BigInt(getMintSize())),
        space: getMintSize(), programAddress: TOKEN_PROGRAM_ADDRESS,
      }),
      getInitializeMint2Instruction({ mint: mint.address, decimals, mintAuthority, freezeAuthority }),
    ]);
    return { mint: mint.address, signature };
  },

  async fixture_createTokenAccount(params) {
    const mint = addressParam(named(params, 'mint', 'string'), 'mint');
    const owner = addressParam(named(params, 'owner', 'string'), 'owner');
    const [ata] = await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const signature = await setup([getCreateAssociatedTokenIdempotentInstruction({ payer: fixtureKey, ata, owner, mint })]);
    return { address: ata, signature };
  },

  async fixture_mintTo(params) {
    const mint = addressParam(named(params, 'mint', 'string'), 'mint');
    const destination = addressParam(named(params, 'destination', 'string'), 'destination');
    const amount = named(params, 'amount', 'integer');
    const signature = await setup([getMintToInstruction({ mint, token: destination, amount, mintAuthority: fixtureKey })]);
    return { signature };
  },

  fixture_expireBlockhash() {
    expireBlockhash(lastValidBlockHeight() + 1n > slot() ? lastValidBlockHeight() + 1n : slot());
    return { blockhash: svm.latestBlockhash(), lastValidBlockHeight: lastValidBlockHeight(), slot: slot() };
  },

  fixture_dropNext(params) {
    const count = Number(named(params, 'count', 'integer'));
    if (count < 0) throw invalidParams('"count" must not be negative');
    dropping = count;
    return { dropping };
  },

  fixture_warp(params) {
    const target = named(params, 'slot', 'integer');
    if (target < slot()) throw invalidParams(`the clock only moves forward: slot ${target} is before the current slot ${slot()}`);
    svm.warpToSlot(target);
    if (blockHeight() > lastValidBlockHeight()) expireBlockhash(target);
    return { slot: slot(), blockhash: svm.latestBlockhash(), lastValidBlockHeight: lastValidBlockHeight() };
  },
};

// ---- HTTP --------------------------------------------------------------------------------------------------------

/** JSON with u64 values (bigint) written as exact numbers. */
function stringify(value) {
  const marker = `bigint-${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? marker + v.toString() : v));
  return text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1');
}

async function answer(request) {
  const id = request && typeof request === 'object' && 'id' in request ? request.id : null;
  if (!request || typeof request !== 'object' || Array.isArray(request) || request.jsonrpc !== '2.0' || typeof request.method !== 'string') {
    return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id };
  }
  const method = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
  if (!method) return { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id };
  try {
    return { jsonrpc: '2.0', result: await method(request.params ?? []), id };
  } catch (e) {
    if (e instanceof RpcError) {
      return { jsonrpc: '2.0', error: { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) }, id };
    }
    process.stderr.write(`${request.method} failed: ${e.stack ?? e}\n`);
    return { jsonrpc: '2.0', error: { code: -32603, message: `Internal error: ${e.message}` }, id };
  }
}

async function answerAll(requests) {
  const replies = [];
  for (const request of requests) replies.push(await answer(request));
  return replies;
}

// One request at a time: LiteSVM is synchronous, and the setup methods await key generation in between.
let queue = Promise.resolve();
const serially = work => (queue = queue.then(work, work));

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks = [];
  req.on('data', chunk => chunks.push(chunk));
  req.on('end', () => serially(async () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const reply = body === undefined
      ? { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }
      : Array.isArray(body) ? await answerAll(body) : await answer(body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(stringify(reply));
  }));
});

const portArgument = process.argv.indexOf('--port');
const port = portArgument > 0 ? Number(process.argv[portArgument + 1]) : 0;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
if (process.argv.includes('--exit-on-stdin-close')) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
