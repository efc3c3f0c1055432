import Foundation

/// Parsing of IP address literals and host names: for the server certificate's subject
/// alternative names and for server URLs (`ServerURL`).
package enum IPAddressText {
    /// The address bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) literal, or nil.
    package static func bytes(_ text: String) -> [UInt8]? {
        if let v4 = ipv4(text) { return v4 }
        return ipv6(text)
    }

    package static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            // No leading zero: the system's resolver reads "010" as octal (8), so a name or URL
            // written so would reach another address than the one it shows (the review).
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), p.count == 1 || p.first != "0",
                  let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    package static func ipv6(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    /// An address as text: IPv4 dotted, IPv6 in hex groups with the longest run of two or
    /// more zero groups written `::` (as `ServerURL` normalises what users type, lower case).
    package static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var best = 0..<0, start: Int?
        for i in 0...8 {
            if i < 8, groups[i] == 0 { start = start ?? i; continue }
            if let s = start, i - s > best.count, i - s >= 2 { best = s..<i }
            start = nil
        }
        let hex = { (range: Range<Int>) in groups[range].map { String($0, radix: 16) }.joined(separator: ":") }
        return best.isEmpty ? hex(0..<8) : hex(0..<best.lowerBound) + "::" + hex(best.upperBound..<8)
    }

    /// Whether `text` is made of digits and dots only: an IPv4 address, or a mistyped one
    /// (`999.1.1.1`, `10.0.5`), never a host name (a top-level domain is not a number).
    package static func looksLikeIPv4(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0 == "." || ($0.isASCII && $0.isNumber) }
    }

    /// Letters, digits, '-' and '.', in parts of at least one character.
    package static func isPlausibleHostName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
            && !text.hasPrefix(".") && !text.hasPrefix("-") && !text.hasSuffix(".") && !text.contains("..")
    }

    /// What is wrong with the dots of a name made of host-name characters, as words that
    /// follow the name, or nil. A final dot (an absolute DNS name) has its own hint:
    /// certificates and their checks name hosts without it, so `localhost.` matched no
    /// certificate, and the message about that suggested making one for `localhost.`.
    package static func misplacedDot(_ text: String) -> String? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }),
              !text.hasPrefix("."), !text.hasPrefix("-") else { return nil }
        if text.hasSuffix(".") { return "ends with a dot: write \(text.dropLast()) without it" }
        if text.contains("..") { return "has two dots in a row" }
        return nil
    }
}
