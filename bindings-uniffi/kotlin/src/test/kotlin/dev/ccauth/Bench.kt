package dev.ccauth

import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.ClientSecret
import dev.ccauth.ffi.PrivateKey
import kotlinx.coroutines.runBlocking

/**
 * A small benchmark (scripts/bench-kotlin-swift.sh; not a test): the cached
 * token hot path, an API call with a held Bearer token (the headers, and a
 * 200 answer read: what the library adds to a call; the send is a stub), and
 * one token round trip against the local server; a DPoP-bound token's API
 * headers (a proof per call) signed in the core and by a JCA key. The hot
 * path and the round trip again with a lifecycle listener (SLF4J is on the
 * test classpath: fetches are logged too, to the file the script names).
 */
fun main() =
    runBlocking {
        val endpoint = System.getenv("CCAUTH_TOKEN_ENDPOINT") ?: error("run through scripts/with-auth-server.sh")
        val api = System.getenv("CCAUTH_API_URL") ?: error("run through scripts/with-auth-server.sh")
        val config = ClientConfig(ClientOptions(endpoint, "ccauth-post", ClientAuth.ClientSecretPost(ClientSecret("post-secret-0123456789")), scopes = listOf("api.read")))
        ClientCredentials(config).use { client ->
            client.token()

            fun hot(
                label: String,
                n: Int,
                body: () -> Unit,
            ) {
                repeat(n) { body() } // warm-up (JIT)
                val runs =
                    (1..5)
                        .map {
                            val t0 = System.nanoTime()
                            repeat(n) { body() }
                            (System.nanoTime() - t0).toDouble() / n
                        }.sorted()
                println("[bench/kotlin] %-48s %10.1f ns (median of 5)".format(label, runs[2]))
            }

            suspend fun hotSuspend(
                label: String,
                n: Int,
                body: suspend () -> Unit,
            ) {
                repeat(n) { body() }
                val runs =
                    (1..5)
                        .map {
                            val t0 = System.nanoTime()
                            repeat(n) { body() }
                            (System.nanoTime() - t0).toDouble() / n
                        }.sorted()
                println("[bench/kotlin] %-48s %10.1f ns (median of 5)".format(label, runs[2]))
            }
            hot("hot path: tokenBlocking()", 2_000_000) { client.tokenBlocking() }
            hotSuspend("hot path: token() (suspend)", 2_000_000) { client.token() }
            val ok = ApiAnswer(200)
            hot("API call, held Bearer: headers + 200 answer", 200_000) {
                val t = client.tokenBlocking()
                client.authorizationHeadersFor(t, "GET", api)
                client.apiResponse(t, api, ok)
            }
            hotSuspend("API call, held Bearer: authorized() (suspend)", 200_000) {
                client.authorized("GET", api, answer = { a: ApiAnswer -> a }) { ok }
            }
            // With a lifecycle listener, beside the same rows again without one (measured here, after the rows
            // above, the JIT has seen the same lambdas for both).
            val heard =
                java.util.concurrent.atomic
                    .AtomicLong()
            ClientCredentials(config, listener = { heard.incrementAndGet() }).use { listened ->
                listened.token()
                hot("hot path: tokenBlocking(), no listener (again)", 2_000_000) { client.tokenBlocking() }
                hot("hot path: tokenBlocking(), with a listener", 2_000_000) { listened.tokenBlocking() }
                hotSuspend("hot path: token() (suspend), no listener (again)", 2_000_000) { client.token() }
                hotSuspend("hot path: token() (suspend), with a listener", 2_000_000) { listened.token() }
                check(heard.get() == 2L) { "the hot path drained events: ${heard.get()}" }
            }
            hot("stats()", 20_000) { client.stats() }
            // A DPoP-bound token's API headers: a fresh proof per call, signed by the core's key or by a JCA key (PrivateKey.jca).
            val jcaPair =
                java.security.KeyPairGenerator
                    .getInstance("EC")
                    .apply { initialize(java.security.spec.ECGenParameterSpec("secp256r1")) }
                    .generateKeyPair()
            val fixedSignature =
                ByteArray(64).also {
                    it[31] = 1
                    it[63] = 1
                }
            var signed = false // the token request's proof is signed for real; the measured ones by the fixed answer
            val dpopKeys =
                listOf(
                    "in-core P-256 key" to PrivateKey.generateP256(),
                    "JCA P-256 key (PrivateKey.jca)" to PrivateKey.jca(jcaPair),
                    // ccauth's own share of a host-signed proof: a signer that answers at once (r = s = 1 passes the core's checks).
                    "signer answering at once (ccauth's share)" to
                        PrivateKey.signedBy("ES256", HostKeys.publicJwk(jcaPair.public)) { alg, _, input ->
                            if (signed) fixedSignature else HostSigner.Jca(jcaPair.private, alg).signNow(input)
                        },
                )
            for ((label, dpopKey) in dpopKeys) {
                val options = ClientOptions(endpoint, "ccauth-dpop", ClientAuth.clientSecret("dpop-secret-0123456789"), scopes = listOf("api.read"), dpopKey = dpopKey)
                ClientCredentials(options).use { dpop ->
                    signed = false
                    val t = dpop.token()
                    signed = true
                    hot("DPoP API headers (proof), $label", 20_000) { dpop.authorizationHeadersFor(t, "GET", api) }
                }
            }
            // A fresh client per trip: a drop-then-fetch loop on one client would measure the core's 1 s fetch spacing.
            val trips =
                (1..50)
                    .map {
                        ClientCredentials(config).use { fresh ->
                            val t0 = System.nanoTime()
                            fresh.token()
                            (System.nanoTime() - t0) / 1e6
                        }
                    }.sorted()
            println("[bench/kotlin] %-48s %10.2f ms (median of 50; p90 %.2f ms)".format("token round trip (loopback server)", trips[25], trips[45]))
            val listenedTrips =
                (1..50)
                    .map {
                        ClientCredentials(config, listener = { heard.incrementAndGet() }).use { fresh ->
                            val t0 = System.nanoTime()
                            fresh.token()
                            (System.nanoTime() - t0) / 1e6
                        }
                    }.sorted()
            println(
                "[bench/kotlin] %-48s %10.2f ms (median of 50; p90 %.2f ms)".format("token round trip, with a listener", listenedTrips[25], listenedTrips[45]),
            )
        }
    }
