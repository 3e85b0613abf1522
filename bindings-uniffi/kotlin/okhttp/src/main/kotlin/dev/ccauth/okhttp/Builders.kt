package dev.ccauth.okhttp

import dev.ccauth.ClientCredentials
import okhttp3.OkHttpClient

/**
 * Every call of the built client carries [credentials]' token, and a 401
 * retries once with a fresh one: `OkHttpClient.Builder().ccauth(credentials).build()`.
 * Replaces the builder's [OkHttpClient.Builder.authenticator].
 */
fun OkHttpClient.Builder.ccauth(credentials: ClientCredentials): OkHttpClient.Builder = addInterceptor(CcauthInterceptor(credentials)).authenticator(CcauthAuthenticator(credentials))
