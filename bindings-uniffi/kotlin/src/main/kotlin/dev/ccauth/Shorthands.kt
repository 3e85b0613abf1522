package dev.ccauth

import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientSecret
import dev.ccauth.ffi.PrivateKey
import java.security.SecureRandom

/**
 * `client_secret_basic` with [secret] (RFC 6749's default method): the
 * common case in one call, `auth = ClientAuth.clientSecret(secret)`; the
 * other methods are [ClientAuth]'s variants.
 */
fun ClientAuth.Companion.clientSecret(secret: String): ClientAuth = ClientAuth.ClientSecretBasic(ClientSecret(secret))

/** A new P-256 key (ES256) from the platform's CSPRNG, e.g. `dpopKey = PrivateKey.generateP256()` for DPoP. */
fun PrivateKey.Companion.generateP256(): PrivateKey = translated { PrivateKey.generateP256(ByteArray(32).also { SecureRandom().nextBytes(it) }) }
