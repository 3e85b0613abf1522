package dev.ccauth

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/** The local authorization server's request counters (`CCAUTH_STATS_URL`, from scripts/with-auth-server.sh). */
internal class ServerStats(
    private val url: String,
) {
    private val http = HttpClient.newHttpClient()

    /** Token requests the server has seen from [clientId] since the last [reset]. */
    fun tokenRequests(clientId: String): Int {
        val body = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body()
        return Json
            .parseToJsonElement(body)
            .jsonObject["token_requests_by_client"]!!
            .jsonObject[clientId]
            ?.jsonPrimitive
            ?.int ?: 0
    }

    /** Sets the server's counters to zero. */
    fun reset() {
        http.send(
            HttpRequest.newBuilder(URI.create("$url/reset")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.discarding(),
        )
    }
}
