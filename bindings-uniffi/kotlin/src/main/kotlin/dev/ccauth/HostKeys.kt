package dev.ccauth

import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.PrivateKey
import kotlinx.coroutines.runBlocking
import java.math.BigInteger
import java.security.KeyPair
import java.security.PublicKey
import java.security.Signature
import java.security.interfaces.ECKey
import java.security.interfaces.ECPublicKey
import java.security.interfaces.RSAKey
import java.security.interfaces.RSAPublicKey
import java.security.spec.MGF1ParameterSpec
import java.security.spec.PSSParameterSpec
import java.util.Base64
import java.util.Collections
import java.util.WeakHashMap
import java.security.PrivateKey as JcaPrivateKey

/**
 * Signs a JWS signing input for a key ccauth does not hold: JCA (Android
 * Keystore, PKCS#11, any provider) or a host callback (a KMS, an HSM).
 */
internal sealed class HostSigner {
    /** Signs at once, on the caller's thread (JCA is synchronous). */
    class Jca(
        private val key: JcaPrivateKey,
        private val alg: String,
    ) : HostSigner() {
        fun signNow(input: ByteArray): ByteArray =
            signature(alg).run {
                initSign(key)
                update(input)
                sign()
            }
    }

    class Callback(
        val sign: suspend (alg: String, kid: String?, signingInput: ByteArray) -> ByteArray,
    ) : HostSigner()

    suspend fun sign(
        alg: String,
        kid: String?,
        input: ByteArray,
    ): ByteArray =
        when (this) {
            is Jca -> signNow(input)
            is Callback -> sign.invoke(alg, kid, input)
        }

    /** For blocking callers: a callback runs in [runBlocking]. */
    fun signBlocking(
        alg: String,
        kid: String?,
        input: ByteArray,
    ): ByteArray =
        when (this) {
            is Jca -> signNow(input)
            is Callback -> runBlocking { sign.invoke(alg, kid, input) }
        }

    companion object {
        /**
         * The host-signed keys made by [jca] and [signedBy], by identity: the
         * options carry the generated key, the client finds its signer here.
         */
        private val registry: MutableMap<PrivateKey, HostSigner> = Collections.synchronizedMap(WeakHashMap())

        fun register(
            key: PrivateKey,
            signer: HostSigner,
        ): PrivateKey = key.also { registry[it] = signer }

        fun of(key: PrivateKey?): HostSigner? = key?.let { registry[it] }

        /** The signers of [options]' host-signed keys: the client assertion's and the DPoP proofs'. */
        fun of(options: ClientOptions): Pair<HostSigner?, HostSigner?> = of((options.auth as? ClientAuth.PrivateKeyJwt)?.key) to of(options.dpopKey)

        /** The JCA algorithm of a JWS one (PS256: RFC 7518 §3.5's parameters). */
        fun signature(alg: String): Signature =
            when (alg) {
                "RS256" -> {
                    Signature.getInstance("SHA256withRSA")
                }

                "PS256" -> {
                    Signature.getInstance("RSASSA-PSS").apply {
                        setParameter(PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1))
                    }
                }

                "ES256" -> {
                    Signature.getInstance("SHA256withECDSA")
                }

                "ES384" -> {
                    Signature.getInstance("SHA384withECDSA")
                }

                "EdDSA" -> {
                    Signature.getInstance("Ed25519")
                }

                else -> {
                    throw IllegalArgumentException("no JCA signature for $alg")
                }
            }
    }
}

/**
 * A key held by JCA (an Android Keystore key, a PKCS#11 token, any
 * provider's `PrivateKey`): ccauth never sees it, it builds each JWT's
 * signing input and the key signs it (`SHA256withECDSA`, `SHA384withECDSA`,
 * `SHA256withRSA`, `RSASSA-PSS` for PS256, `Ed25519`).
 *
 * ```
 * val entry = keyStore.getEntry("ccauth", null) as KeyStore.PrivateKeyEntry
 * auth = ClientAuth.PrivateKeyJwt(PrivateKey.jca(entry.privateKey, entry.certificate.publicKey))
 * ```
 *
 * [publicKey] (required for DPoP: the proof carries it as a JWK) gives the
 * public JWK. [alg] defaults from the key: EC P-256 `ES256`, P-384 `ES384`,
 * RSA `RS256` (pass `PS256` for PSS), Ed25519 `EdDSA`. [keyId] is the
 * assertions' `kid`. Use the result in the options of [ClientCredentials]
 * (`ClientCredentials(ClientOptions(…))`): the client signs with it.
 */
@JvmOverloads
fun PrivateKey.Companion.jca(
    privateKey: JcaPrivateKey,
    publicKey: PublicKey? = null,
    alg: String? = null,
    keyId: String? = null,
): PrivateKey {
    val name = alg ?: HostKeys.algorithmOf(privateKey, publicKey)
    val jwk = publicKey?.let { HostKeys.publicJwk(it) }
    val key = configured { hostSigned(name, jwk, keyId) }
    return HostSigner.register(key, HostSigner.Jca(privateKey, name))
}

/** [jca] with a key pair (its public half makes the JWK: DPoP needs it). */
@JvmOverloads
fun PrivateKey.Companion.jca(
    keyPair: KeyPair,
    alg: String? = null,
    keyId: String? = null,
): PrivateKey = jca(keyPair.private, keyPair.public, alg, keyId)

/**
 * A key signed by [sign] (a KMS, an HSM, a remote signer): called with the
 * algorithm, the key id and the JWS signing input (ASCII
 * `base64url(header).base64url(claims)`), it returns the signature over those
 * bytes (ECDSA: DER or `r || s`; the core converts and checks it). [publicJwk]
 * (JSON text, public members) is required for DPoP. A [sign] that throws is a
 * failed attempt, retried like a network error.
 *
 * ```
 * auth = ClientAuth.PrivateKeyJwt(PrivateKey.signedBy("ES256") { _, _, input -> kms.sign(input) })
 * ```
 */
@JvmOverloads
fun PrivateKey.Companion.signedBy(
    alg: String,
    publicJwk: String? = null,
    keyId: String? = null,
    sign: suspend (alg: String, kid: String?, signingInput: ByteArray) -> ByteArray,
): PrivateKey = HostSigner.register(configured { hostSigned(alg, publicJwk, keyId) }, HostSigner.Callback(sign))

/** The public JWK and default algorithm of JCA keys. */
internal object HostKeys {
    private val b64 = Base64.getUrlEncoder().withoutPadding()

    /** `ES256`/`ES384` by curve size, `RS256` for RSA, `EdDSA` for Ed25519. */
    fun algorithmOf(
        key: JcaPrivateKey,
        publicKey: PublicKey?,
    ): String {
        val ec = (key as? ECKey) ?: (publicKey as? ECKey)
        val kind = key.algorithm.uppercase()
        return when {
            ec != null || kind == "EC" -> {
                when (
                    ec
                        ?.params
                        ?.curve
                        ?.field
                        ?.fieldSize
                ) {
                    384 -> "ES384"
                    256, null -> "ES256"
                    else -> throw IllegalArgumentException("EC keys: P-256 (ES256) or P-384 (ES384)")
                }
            }

            key is RSAKey || kind == "RSA" -> {
                "RS256"
            }

            kind == "ED25519" || kind == "EDDSA" -> {
                "EdDSA"
            }

            else -> {
                throw IllegalArgumentException("a JCA key for ES256, ES384, RS256, PS256 or EdDSA, not ${key.algorithm}")
            }
        }
    }

    /** The public JWK (JSON text) of [key]: EC (x, y padded to the coordinate size), RSA (n, e unsigned), Ed25519 (OKP). */
    fun publicJwk(key: PublicKey): String =
        when {
            key is ECPublicKey -> {
                val size = (key.params.curve.field.fieldSize + 7) / 8
                val crv =
                    when (size) {
                        32 -> "P-256"
                        48 -> "P-384"
                        else -> throw IllegalArgumentException("EC keys: P-256 or P-384")
                    }
                val x = unsigned(key.w.affineX, size)
                val y = unsigned(key.w.affineY, size)
                """{"kty":"EC","crv":"$crv","x":"$x","y":"$y"}"""
            }

            key is RSAPublicKey -> {
                """{"kty":"RSA","n":"${unsigned(key.modulus, 0)}","e":"${unsigned(key.publicExponent, 0)}"}"""
            }

            key.algorithm.equals("Ed25519", ignoreCase = true) || key.algorithm.equals("EdDSA", ignoreCase = true) -> {
                // X.509 SubjectPublicKeyInfo: the 32-byte key is its end.
                val der = key.encoded
                """{"kty":"OKP","crv":"Ed25519","x":"${b64.encodeToString(der.copyOfRange(der.size - 32, der.size))}"}"""
            }

            else -> {
                throw IllegalArgumentException("a public key for ES256, ES384, RS256, PS256 or EdDSA, not ${key.algorithm}")
            }
        }

    /** Base64url of [n], big-endian without sign byte, left-padded to [size] bytes (0: minimal). */
    private fun unsigned(
        n: BigInteger,
        size: Int,
    ): String {
        var bytes = n.toByteArray()
        if (bytes.size > 1 && bytes[0] == 0.toByte()) bytes = bytes.copyOfRange(1, bytes.size)
        if (bytes.size < size) bytes = ByteArray(size - bytes.size) + bytes
        return b64.encodeToString(bytes)
    }
}
