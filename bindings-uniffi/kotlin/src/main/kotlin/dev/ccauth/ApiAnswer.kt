package dev.ccauth

/** What ccauth reads of an API's response: its status, `WWW-Authenticate` (several joined with `", "`) and `DPoP-Nonce`. */
class ApiAnswer @JvmOverloads constructor(val status: Int, val wwwAuthenticate: String? = null, val dpopNonce: String? = null) {
    override fun toString(): String = "ApiAnswer($status)"

    companion object {
        /**
         * From a status and a reader of a header's values (any case), e.g.
         * `ApiAnswer.of(response.statusCode(), response.headers()::allValues)` (java.net.http)
         * or `ApiAnswer.of(response.code, response::headers)` (OkHttp).
         */
        @JvmStatic
        fun of(status: Int, header: (name: String) -> List<String>): ApiAnswer =
            ApiAnswer(status, header("WWW-Authenticate").joinToString(", ").ifEmpty { null }, header("DPoP-Nonce").firstOrNull())
    }
}
