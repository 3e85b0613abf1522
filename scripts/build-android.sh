#!/usr/bin/env bash
# UNTESTED: this machine has no Android NDK, so this script has never run.
# Builds the Android library dev.ccauth:ccauth-android (an AAR) into
# target/android/: the same classes as the jar (generated bindings + the
# driver, whose default transport is HttpURLConnection) without the desktop
# natives and without JdkHttpTransport, libccauth_ffi.so for the four Android
# ABIs (cargo-ndk, API level 26), the R8 rules, and a pom that depends on
# JNA's AAR (net.java.dev.jna:jna:<v>@aar, which carries libjnidispatch.so per
# ABI), kotlinx-coroutines and kotlinx-serialization-json.
#   ANDROID_NDK_HOME=/path/to/ndk bash scripts/build-android.sh
# Needs: rustup (adds the four Android targets), the NDK (r26 or newer), Maven
# and a JDK 17. Installs cargo-ndk (crates.io) itself.
source "$(dirname "$0")/lib.sh"
need_rust
CARGO_NDK_VERSION=4.1.2
API_LEVEL=26
[ -d "${ANDROID_NDK_HOME:-}" ] || die "set ANDROID_NDK_HOME to an Android NDK (r26 or newer)"
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$ROOT/bindings-uniffi/kotlin/pom.xml" | head -n 1)
jna=$(sed -n 's:.*<jna.version>\(.*\)</jna.version>.*:\1:p' "$ROOT/bindings-uniffi/kotlin/pom.xml")
coroutines=$(sed -n 's:.*<coroutines.version>\(.*\)</coroutines.version>.*:\1:p' "$ROOT/bindings-uniffi/kotlin/pom.xml")
serialization=$(sed -n 's:.*<serialization.version>\(.*\)</serialization.version>.*:\1:p' "$ROOT/bindings-uniffi/kotlin/pom.xml")
kotlin=$(sed -n 's:.*<kotlin.version>\(.*\)</kotlin.version>.*:\1:p' "$ROOT/bindings-uniffi/kotlin/pom.xml")

rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android >/dev/null
if [ "$(cargo ndk --version 2>/dev/null | awk '{print $2}')" != "$CARGO_NDK_VERSION" ]; then
  say "installing cargo-ndk $CARGO_NDK_VERSION (crates.io)"
  cargo install --quiet --locked cargo-ndk --version "$CARGO_NDK_VERSION"
fi

out="$ROOT/target/android"
rm -rf "$out"
mkdir -p "$out/aar/jni"
say "building ccauth-ffi for arm64-v8a, armeabi-v7a, x86_64, x86 (API $API_LEVEL)"
(cd "$ROOT" && cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -t x86 --platform "$API_LEVEL" \
  -o "$out/aar/jni" build --release --locked -p ccauth-ffi)

# The classes: the same Maven build as the jar (the bindings are generated
# from the host build; their metadata is the same for every target).
bash "$ROOT/scripts/build-kotlin.sh"
(cd "$ROOT/bindings-uniffi/kotlin" && mvn -q -B -Dstyle.color=never package -DskipTests)

python3 - "$ROOT" "$out" "$version" "$API_LEVEL" <<'PY'
import os, sys, zipfile
root, out, version, api = sys.argv[1:]
classes = os.path.join(root, "target/kotlin/maven/classes")
with zipfile.ZipFile(os.path.join(out, "aar/classes.jar"), "w", zipfile.ZIP_DEFLATED) as jar:
    for base, _, files in os.walk(classes):
        for f in files:
            rel = os.path.relpath(os.path.join(base, f), classes)
            if rel.endswith((".so", ".dylib", ".dll")) or rel.startswith("dev/ccauth/JdkHttpTransport"):
                continue  # desktop natives; the JVM-only transport
            jar.write(os.path.join(base, f), rel)
with open(os.path.join(out, "aar/AndroidManifest.xml"), "w") as m:
    m.write('<?xml version="1.0" encoding="utf-8"?>\n'
            '<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="dev.ccauth">\n'
            f'    <uses-sdk android:minSdkVersion="{api}" />\n'
            '    <uses-permission android:name="android.permission.INTERNET" />\n'
            '</manifest>\n')
open(os.path.join(out, "aar/R.txt"), "w").close()
rules = os.path.join(root, "bindings-uniffi/kotlin/src/main/resources/META-INF/proguard/ccauth.pro")
with open(rules) as src, open(os.path.join(out, "aar/proguard.txt"), "w") as dst:
    dst.write(src.read())
aar = os.path.join(out, f"ccauth-android-{version}.aar")
with zipfile.ZipFile(aar, "w", zipfile.ZIP_DEFLATED) as z:
    for base, _, files in os.walk(os.path.join(out, "aar")):
        for f in files:
            path = os.path.join(base, f)
            z.write(path, os.path.relpath(path, os.path.join(out, "aar")))
    for licence in ("LICENSE-MIT", "LICENSE-APACHE"):
        z.write(os.path.join(root, licence), licence)
    abis = {n.split("/")[1] for n in z.namelist() if n.startswith("jni/") and n.endswith("/libccauth_ffi.so")}
assert abis == {"arm64-v8a", "armeabi-v7a", "x86_64", "x86"}, f"ABIs in the AAR: {sorted(abis)}"
print(aar)
PY

cat > "$out/ccauth-android-$version.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.ccauth</groupId>
  <artifactId>ccauth-android</artifactId>
  <version>$version</version>
  <packaging>aar</packaging>
  <name>ccauth-android</name>
  <description>OAuth 2.0 Client Credentials client for Android: a sans-IO Rust core with a coroutine driver</description>
  <url>https://github.com/ccauth/ccauth</url>
  <licenses>
    <license><name>MIT</name><url>https://opensource.org/licenses/MIT</url></license>
    <license><name>Apache-2.0</name><url>https://www.apache.org/licenses/LICENSE-2.0.txt</url></license>
  </licenses>
  <developers><developer><id>ccauth</id><name>The ccauth developers</name></developer></developers>
  <scm><url>https://github.com/ccauth/ccauth</url><connection>scm:git:https://github.com/ccauth/ccauth.git</connection></scm>
  <dependencies>
    <dependency><groupId>net.java.dev.jna</groupId><artifactId>jna</artifactId><version>$jna</version><type>aar</type></dependency>
    <dependency><groupId>org.jetbrains.kotlin</groupId><artifactId>kotlin-stdlib</artifactId><version>$kotlin</version></dependency>
    <dependency><groupId>org.jetbrains.kotlinx</groupId><artifactId>kotlinx-coroutines-core</artifactId><version>$coroutines</version></dependency>
    <dependency><groupId>org.jetbrains.kotlinx</groupId><artifactId>kotlinx-serialization-json</artifactId><version>$serialization</version></dependency>
  </dependencies>
</project>
POM
ls -l "$out"/ccauth-android-* >&2
