// ccauth on the JVM: get a token, call the protected API, see the typed error
// a wrong secret gives. Run by `make demo` against the local authorization server.
import dev.ccauth.ApiAnswer
import dev.ccauth.CcauthError
import dev.ccauth.ClientCredentials
import dev.ccauth.clientSecret
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientOptions
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking

fun env(name: String): String = System.getenv(name) ?: error("$name is not set; run via scripts/with-auth-server.sh")

fun main(): Unit = runBlocking {
    val tokenEndpoint = env("CCAUTH_TOKEN_ENDPOINT")
    val api = env("CCAUTH_API_URL")
    // The core's options (dev.ccauth.ffi.ClientOptions), validated by the core: a bad one is a CcauthError.Config.
    ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret("s3cr3t+/:%&= \"~*"), scopes = listOf("api.read"))).use { client ->
        val http = HttpClient.newHttpClient()
        // The token's headers on the call; a 401 the core judges (DPoP nonce, rejected token) is resent once.
        val response = client.authorized("GET", api, answer = { r: HttpResponse<String> -> ApiAnswer.of(r.statusCode(), r.headers()::allValues) }) { headers ->
            val request = HttpRequest.newBuilder(URI.create(api))
            headers.forEach { (name, value) -> request.header(name, value) }
            http.send(request.build(), HttpResponse.BodyHandlers.ofString())
        }
        println("[kotlin] API answered ${response.statusCode()} ${response.body()}")
        println("[kotlin] ${client.token()} (printing the token never prints the token)")
        val tokens = (1..100).map { async { client.token() } }.awaitAll()
        println("[kotlin] 100 coroutines got ${tokens.map { it.accessToken }.toSet().size} distinct token(s)")
    }
    ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret("not-the-secret"))).use { wrong ->
        try {
            wrong.token()
        } catch (e: CcauthError.OAuth) {
            println("[kotlin] wrong secret: ${e.code} (error=${e.error}, status=${e.status})")
        }
    }
}
