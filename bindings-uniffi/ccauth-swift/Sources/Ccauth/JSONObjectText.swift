import Foundation

/// A JSON object text of the core's (`extras`) as `[String: Any]`, through
/// JSONSerialization: strings, `NSNumber`s, arrays, dictionaries, `NSNull`.
/// A number no `Double` can hold (`1e400`, which the core keeps as written)
/// comes as its text, a `String`; anything unreadable gives `[:]`.
func jsonObject(_ text: String) -> [String: Any] {
    if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] { return object }
    let quoted = Data(quotingOverflowingNumbers(text).utf8)
    return (try? JSONSerialization.jsonObject(with: quoted) as? [String: Any]) ?? [:]
}

/// `text` with each number outside strings that overflows a `Double` put in quotes.
func quotingOverflowingNumbers(_ text: String) -> String {
    let bytes = Array(text.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 16)
    var i = 0
    var inString = false
    var escaped = false
    let quote = UInt8(ascii: "\"")
    let backslash = UInt8(ascii: "\\")
    func isNumberByte(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || "+-.eE".utf8.contains(b)
    }
    while i < bytes.count {
        let b = bytes[i]
        if inString {
            out.append(b)
            if escaped { escaped = false } else if b == backslash { escaped = true } else if b == quote { inString = false }
            i += 1
        } else if b == quote {
            inString = true
            out.append(b)
            i += 1
        } else if b == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) {
            var j = i
            while j < bytes.count, isNumberByte(bytes[j]) { j += 1 }
            let token = bytes[i..<j]
            if let value = Double(String(decoding: token, as: UTF8.self)), !value.isFinite {
                out.append(quote)
                out.append(contentsOf: token)
                out.append(quote)
            } else {
                out.append(contentsOf: token)
            }
            i = j
        } else {
            out.append(b)
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}
