/**
 * Signing keys: WebCrypto signs every client assertion and DPoP proof; the
 * core builds what is signed and assembles the JWS (it holds no key). A key
 * is a `CryptoKey` (extractable or not) or `CryptoKeyPair`, a JWK object, a
 * PEM string, or a {@link Signer} for keys in a KMS or an HSM.
 */
import { isCcauthError, ownError } from "./errors.js";

/** An asymmetric JWS algorithm, for `private_key_jwt` and DPoP. */
export type KeyAlg = "RS256" | "PS256" | "ES256" | "ES384" | "EdDSA";

/**
 * A key that signs outside this package (AWS KMS, Google Cloud KMS, Azure
 * Key Vault, an HSM): `sign` gets the JWS signing input and returns the
 * signature (ECDSA as DER or as JOSE's `r || s`; the core converts and
 * checks it).
 */
export interface Signer {
  /** The algorithm the key signs with. */
  alg: KeyAlg;
  /** The public half as a JWK: required for DPoP (each proof carries it). */
  publicJwk?: JsonWebKey;
  /** The key's id: a client assertion's `kid` (unless `keyId` is set). */
  keyId?: string;
  /** Signs `input` (ASCII bytes) with the key. */
  sign(alg: KeyAlg, keyId: string | undefined, input: Uint8Array): Uint8Array | ArrayBuffer | Promise<Uint8Array | ArrayBuffer>;
}

/** A private key: a WebCrypto key (pair), a JWK object, a PEM string (PKCS#8, or PKCS#1 for RSA), or a signer. */
export type KeyInput = CryptoKey | CryptoKeyPair | JsonWebKey | string | Signer;

/** A key resolved for the core: what it signs with and, once known, its public half. @internal */
export interface HostKey {
  alg: KeyAlg;
  kid?: string;
  /** The public JWK when known at once (JWK input, a signer); else `ready(true)` finds it. */
  publicJwk?: JsonWebKey;
  /** Whether it signs without an import first (a CryptoKey, a signer). */
  settled: boolean;
  /**
   * Imports the key and, with `withPublic`, finds its public half (DPoP needs
   * it; client assertions do not); rejects with a CcauthError for a key WebCrypto refuses.
   */
  ready(withPublic: boolean): Promise<JsonWebKey | undefined>;
  sign(input: Uint8Array): Promise<Uint8Array>;
}

type Params = { name: string; [k: string]: unknown };
/** Per algorithm: the import parameters and the signing parameters. */
const ALGS: Readonly<Record<KeyAlg, [Params, Params]>> = {
  ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
  ES384: [{ name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", hash: "SHA-384" }],
  RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
  PS256: [{ name: "RSA-PSS", hash: "SHA-256" }, { name: "RSA-PSS", saltLength: 32 }],
  EdDSA: [{ name: "Ed25519" }, { name: "Ed25519" }],
};

/** Members only a private JWK has. */
const PRIVATE = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** `INVALID_KEY` naming the option, never the key. @internal */
export function invalidKey(field: string, reason: string): Error {
  return ownError({ code: "INVALID_KEY", message: `INVALID_KEY: invalid \`${field}\`: ${reason}`, retryable: false, field, reason });
}

function subtle(field: string): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!s) throw invalidKey(field, "signing needs WebCrypto (globalThis.crypto.subtle; Node 18: --experimental-global-webcrypto)");
  return s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isSigner = (v: unknown): v is Signer => isObject(v) && typeof v.sign === "function";
const isCryptoKey = (v: unknown): v is CryptoKey => isObject(v) && isObject(v.algorithm) && typeof v.type === "string" && Array.isArray(v.usages);
const isKeyPair = (v: unknown): v is CryptoKeyPair => isObject(v) && isCryptoKey(v.privateKey) && isCryptoKey(v.publicKey);

/** Whether `v` is a key this module resolves (for the options' type checks). @internal */
export const isKeyInput = (v: unknown): boolean => typeof v === "string" || isObject(v);

/** The JWS algorithm of a WebCrypto key's algorithm. */
function algOfCryptoKey(key: CryptoKey): KeyAlg | undefined {
  const a = key.algorithm as { name: string; namedCurve?: string; hash?: { name?: string } };
  switch (a.name) {
    case "ECDSA":
      return a.namedCurve === "P-256" ? "ES256" : a.namedCurve === "P-384" ? "ES384" : undefined;
    case "Ed25519":
      return "EdDSA";
    case "RSASSA-PKCS1-v1_5":
      return a.hash?.name === "SHA-256" ? "RS256" : undefined;
    case "RSA-PSS":
      return a.hash?.name === "SHA-256" ? "PS256" : undefined;
  }
  return undefined;
}

/** The JWS algorithm a JWK's type implies (an RSA key: RS256 unless `hint` says PS256). */
function algOfJwk(jwk: JsonWebKey, hint: KeyAlg | undefined, field: string): KeyAlg {
  const byType: KeyAlg | undefined = jwk.kty === "RSA" ? (hint === "PS256" ? "PS256" : "RS256")
    : jwk.kty === "EC" ? (jwk.crv === "P-256" ? "ES256" : jwk.crv === "P-384" ? "ES384" : undefined)
    : jwk.kty === "OKP" && jwk.crv === "Ed25519" ? "EdDSA" : undefined;
  if (!byType) throw invalidKey(field, "unsupported JWK key type (RSA, EC P-256/P-384, OKP Ed25519)");
  const named = jwk.alg as KeyAlg | undefined;
  if (named !== undefined && named !== byType && !(jwk.kty === "RSA" && (named === "RS256" || named === "PS256"))) {
    throw invalidKey(field, "the JWK's alg does not fit its key type");
  }
  return hint ?? named ?? byType;
}

/** The public members of a JWK, with its `kid`. */
function publicOf(jwk: JsonWebKey): JsonWebKey {
  const out: Record<string, unknown> = {};
  // `alg` too: WebCrypto writes Ed25519 keys' as "Ed25519" (RFC 9864), the core knows the key's.
  for (const [k, v] of Object.entries(jwk)) if (!PRIVATE.includes(k) && !["key_ops", "ext", "use", "alg"].includes(k)) out[k] = v;
  return out as JsonWebKey;
}

/** The key type a PKCS#8 document names (its AlgorithmIdentifier OID). */
function algOfPkcs8(der: Uint8Array, hint: KeyAlg | undefined, field: string): KeyAlg {
  const hex = Array.from(der.subarray(0, 40), (b) => b.toString(16).padStart(2, "0")).join("");
  const found: KeyAlg | undefined = hex.includes("2a864886f70d010101") ? (hint === "PS256" ? "PS256" : "RS256")
    : hex.includes("2a8648ce3d030107") ? "ES256"
    : hex.includes("2b81040022") ? "ES384"
    : hex.includes("06032b6570") ? "EdDSA" : undefined;
  if (!found) throw invalidKey(field, "the PEM is not a key of a supported type (RSA, EC P-256/P-384, Ed25519)");
  if (hint !== undefined && hint !== found && !(found === "RS256" && hint === "PS256")) {
    throw invalidKey(field, "the key type does not fit the algorithm (RS256/PS256: RSA, ES256: P-256, ES384: P-384, EdDSA: Ed25519)");
  }
  return found;
}

/** DER length octets. */
const derLength = (n: number): number[] => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);

/**
 * A PKCS#1 RSAPrivateKey wrapped as PKCS#8 (WebCrypto reads PKCS#8 only):
 * `SEQUENCE { INTEGER 0, SEQUENCE { rsaEncryption, NULL }, OCTET STRING pkcs1 }`.
 */
function pkcs8OfPkcs1(pkcs1: Uint8Array): Uint8Array {
  const algorithm = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
  const octets = [0x04, ...derLength(pkcs1.length)];
  const bodyLength = 3 + algorithm.length + octets.length + pkcs1.length;
  const head = [0x30, ...derLength(bodyLength), 0x02, 0x01, 0x00, ...algorithm, ...octets];
  const out = new Uint8Array(head.length + pkcs1.length);
  out.set(head);
  out.set(pkcs1, head.length);
  return out;
}

/** A PEM's body as DER and whether it is PKCS#1 RSA. */
function pemDer(pem: string, field: string): { der: Uint8Array; pkcs1: boolean } {
  const text = pem.trim();
  const label = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (label === undefined) throw invalidKey(field, "neither a JWK object nor a PEM");
  if (label === "ENCRYPTED PRIVATE KEY") throw invalidKey(field, "an encrypted PEM: decrypt it first (PKCS#8 without a passphrase)");
  if (label === "PUBLIC KEY") throw invalidKey(field, "a public key: signing needs the private key");
  if (label === "EC PRIVATE KEY") throw invalidKey(field, "a SEC1 EC key: convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)");
  if (label !== "PRIVATE KEY" && label !== "RSA PRIVATE KEY") throw invalidKey(field, "an unsupported PEM type (PKCS#8 PRIVATE KEY expected)");
  const body = text.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  } catch {
    throw invalidKey(field, "the PEM body is not base64");
  }
  return { der: bytes, pkcs1: label === "RSA PRIVATE KEY" };
}

/** WebCrypto's refusal as a typed error naming the field (never the key). */
function refused(field: string, alg: KeyAlg, error: unknown): Error {
  const name = (error as { name?: string })?.name;
  if (name === "NotSupportedError" || (alg === "EdDSA" && name !== "DataError")) {
    return invalidKey(field, `this runtime's WebCrypto does not sign ${alg}${alg === "EdDSA" ? " (Ed25519)" : ""}`);
  }
  return invalidKey(field, "WebCrypto refused the key (not a valid private key of its type)");
}

/** How a WebCrypto key is had: the key, and its public half (each made once, on first need). */
interface Loaders {
  key: () => Promise<CryptoKey>;
  publicJwk: () => Promise<JsonWebKey | undefined>;
}

/** A HostKey over a WebCrypto private key; `known.ready` is a key already in hand. */
function webCryptoKey(alg: KeyAlg, field: string, loaders: Loaders, known: { publicJwk?: JsonWebKey; kid?: string; ready?: CryptoKey } = {}): HostKey {
  const typed = <T>(p: Promise<T>) => p.catch((e) => Promise.reject(isCcauthError(e) ? e : refused(field, alg, e)));
  let key: Promise<CryptoKey> | undefined;
  let pub: Promise<JsonWebKey | undefined> | undefined;
  const getKey = () => {
    key ??= typed(loaders.key());
    return key;
  };
  const [, signParams] = ALGS[alg];
  return {
    alg,
    kid: known.kid,
    publicJwk: known.publicJwk,
    settled: known.ready !== undefined,
    ready: async (withPublic) => {
      await getKey();
      if (!withPublic || known.publicJwk) return known.publicJwk;
      pub ??= typed(loaders.publicJwk());
      return pub;
    },
    sign: async (input) => new Uint8Array(await subtle(field).sign(signParams, known.ready ?? (await getKey()), input as BufferSource)),
  };
}

/** The public JWK of a WebCrypto public key. */
async function exportPublic(key: CryptoKey, field: string): Promise<JsonWebKey> {
  return publicOf(await subtle(field).exportKey("jwk", key));
}

/**
 * Resolves a key option for the core: its algorithm at once, the WebCrypto
 * import on first use. `hint` is the configured algorithm (`clientAssertionAlg`). @internal
 */
export function hostKey(input: KeyInput, hint: KeyAlg | undefined, field: string): HostKey {
  if (isSigner(input)) {
    if (!(input.alg in ALGS)) throw invalidKey(field, "a signer's alg is one of RS256, PS256, ES256, ES384, EdDSA");
    const kid = input.keyId ?? (input.publicJwk as { kid?: string } | undefined)?.kid;
    const publicJwk = input.publicJwk && publicOf(input.publicJwk);
    return {
      alg: input.alg,
      kid,
      publicJwk,
      settled: true,
      ready: () => Promise.resolve(publicJwk),
      sign: async (data) => {
        const out = await input.sign(input.alg, kid, data);
        return out instanceof Uint8Array ? out : new Uint8Array(out);
      },
    };
  }
  if (isKeyPair(input) || isCryptoKey(input)) {
    const [privateKey, publicKey] = isKeyPair(input) ? [input.privateKey, input.publicKey] : [input, undefined];
    if (privateKey.type !== "private" || !privateKey.usages.includes("sign")) throw invalidKey(field, "a CryptoKey that signs: a private key with the \"sign\" usage");
    const alg = algOfCryptoKey(privateKey);
    if (alg === undefined || (hint !== undefined && hint !== alg)) {
      throw invalidKey(field, "the CryptoKey's algorithm is not one of RS256, PS256, ES256, ES384, EdDSA (or not the configured one)");
    }
    const publicJwk = async () =>
      publicKey ? exportPublic(publicKey, field) : privateKey.extractable ? publicOf(await subtle(field).exportKey("jwk", privateKey)) : undefined;
    return webCryptoKey(alg, field, { key: () => Promise.resolve(privateKey), publicJwk }, { ready: privateKey });
  }
  if (typeof input === "string") {
    const { der, pkcs1 } = pemDer(input, field);
    const alg = pkcs1 ? (hint === "PS256" ? "PS256" : "RS256") : algOfPkcs8(der, hint, field);
    const pkcs8 = pkcs1 ? pkcs8OfPkcs1(der) : der;
    // Imported once to read its public half, then kept as a non-extractable key.
    let imported: Promise<[CryptoKey, JsonWebKey]> | undefined;
    const load = () => {
      imported ??= (async (): Promise<[CryptoKey, JsonWebKey]> => {
        const s = subtle(field);
        const readable = await s.importKey("pkcs8", pkcs8 as BufferSource, ALGS[alg][0], true, ["sign"]);
        const jwk = await s.exportKey("jwk", readable);
        return [await s.importKey("jwk", jwk, ALGS[alg][0], false, ["sign"]), publicOf(jwk)];
      })();
      return imported;
    };
    return webCryptoKey(alg, field, { key: async () => (await load())[0], publicJwk: async () => (await load())[1] });
  }
  if (isObject(input)) {
    const jwk = input as JsonWebKey;
    if (typeof jwk.kty !== "string") throw invalidKey(field, "not a JWK object (kty, crv, d, …), a CryptoKey, a PEM or a signer");
    if (typeof jwk.d !== "string") throw invalidKey(field, "the JWK lacks a member this key type needs (private keys need d)");
    const alg = algOfJwk(jwk, hint, field);
    const { alg: _alg, key_ops: _ops, use: _use, ext: _ext, ...material } = jwk;
    const publicJwk = publicOf(jwk);
    const key = () => subtle(field).importKey("jwk", material, ALGS[alg][0], false, ["sign"]);
    return webCryptoKey(alg, field, { key, publicJwk: () => Promise.resolve(publicJwk) }, { publicJwk, kid: (jwk as { kid?: string }).kid });
  }
  throw invalidKey(field, "must be a CryptoKey, a CryptoKeyPair, a JWK object, a PEM string or a signer");
}

/** A new P-256 key for DPoP (`dpop: true`): non-extractable, made on first use. @internal */
export function generatedDpopKey(): HostKey {
  let made: Promise<CryptoKeyPair> | undefined;
  const pair = () => {
    made ??= subtle("dpop").generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]) as Promise<CryptoKeyPair>;
    return made;
  };
  return webCryptoKey("ES256", "dpop", {
    key: async () => (await pair()).privateKey,
    publicJwk: async () => exportPublic((await pair()).publicKey, "dpop"),
  });
}

/** A well-formed public JWK of `alg`'s key type that no key has: the core checks the config with it until `ready` gives the real one. @internal */
export function placeholderJwk(alg: KeyAlg): JsonWebKey {
  const a = (n: number) => "A".repeat(n);
  switch (alg) {
    case "ES256":
      return { kty: "EC", crv: "P-256", x: a(43), y: a(43) };
    case "ES384":
      return { kty: "EC", crv: "P-384", x: a(64), y: a(64) };
    case "EdDSA":
      return { kty: "OKP", crv: "Ed25519", x: a(43) };
    default:
      return { kty: "RSA", n: `w${a(341)}`, e: "AQAB" };
  }
}
