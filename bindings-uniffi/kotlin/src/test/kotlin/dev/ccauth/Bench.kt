package dev.ccauth

import kotlinx.coroutines.runBlocking

/**
 * A small benchmark (scripts/bench-kotlin-swift.sh; not a test): the cached
 * token hot path, and one token round trip against the local server.
 */
fun main() = runBlocking {
    val endpoint = System.getenv("CCAUTH_TOKEN_ENDPOINT") ?: error("run through scripts/with-auth-server.sh")
    val options = ClientCredentialsOptions(endpoint, "ccauth-post", "post-secret-0123456789", authMethod = "client_secret_post", scopes = listOf("api.read"))
    ClientCredentials(options).use { client ->
        client.token()
        fun hot(label: String, n: Int, body: () -> Unit) {
            repeat(n) { body() } // warm-up (JIT)
            val runs = (1..5).map {
                val t0 = System.nanoTime()
                repeat(n) { body() }
                (System.nanoTime() - t0).toDouble() / n
            }.sorted()
            println("[bench/kotlin] %-40s %10.1f ns (median of 5)".format(label, runs[2]))
        }
        hot("hot path: tokenBlocking()", 2_000_000) { client.tokenBlocking() }
        val n = 2_000_000
        repeat(n) { client.token() }
        val suspended = (1..5).map {
            val t0 = System.nanoTime()
            repeat(n) { client.token() }
            (System.nanoTime() - t0).toDouble() / n
        }.sorted()
        println("[bench/kotlin] %-40s %10.1f ns (median of 5)".format("hot path: token() (suspend)", suspended[2]))
        // A fresh client per trip: a drop-then-fetch loop on one client would measure the core's 1 s fetch spacing.
        val trips = (1..50).map {
            ClientCredentials(options).use { fresh ->
                val t0 = System.nanoTime()
                fresh.token()
                (System.nanoTime() - t0) / 1e6
            }
        }.sorted()
        println("[bench/kotlin] %-40s %10.2f ms (median of 50; p90 %.2f ms)".format("token round trip (loopback server)", trips[25], trips[45]))
    }
}
