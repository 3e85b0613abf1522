package dev.ccauth.okhttp

import dev.ccauth.ClientCredentials
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.ClientSecret
import okhttp3.Interceptor
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Protocol
import okhttp3.Request
import okhttp3.Response
import okhttp3.ResponseBody.Companion.toResponseBody

/**
 * The OkHttp interceptor's cost per call with a held Bearer token
 * (scripts/bench-kotlin-swift.sh; not a test): a call answered 200 by a stub
 * interceptor (no network), with and without ccauth.
 */
fun main() {
    val endpoint = System.getenv("CCAUTH_TOKEN_ENDPOINT") ?: error("run through scripts/with-auth-server.sh")
    val api = System.getenv("CCAUTH_API_URL") ?: error("run through scripts/with-auth-server.sh")
    ClientCredentials(ClientConfig(ClientOptions(endpoint, "ccauth-post", ClientAuth.ClientSecretPost(ClientSecret("post-secret-0123456789")), scopes = listOf("api.read")))).use { credentials ->
        credentials.tokenBlocking()
        val stub =
            Interceptor { chain ->
                Response
                    .Builder()
                    .request(chain.request())
                    .protocol(Protocol.HTTP_1_1)
                    .code(200)
                    .message("OK")
                    .body("{}".toResponseBody("application/json".toMediaType()))
                    .build()
            }
        val request = Request.Builder().url(api).build()

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
        val plain = OkHttpClient.Builder().addInterceptor(stub).build()
        val authorized =
            OkHttpClient
                .Builder()
                .ccauth(credentials)
                .addInterceptor(stub)
                .build()
        hot("OkHttp call, stub answer, no ccauth", 200_000) { plain.newCall(request).execute().close() }
        hot("OkHttp call, stub answer, ccauth (Bearer)", 200_000) { authorized.newCall(request).execute().close() }
    }
}
