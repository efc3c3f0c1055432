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
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt8(p) else { return nil }
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

    /// Whether `text` is made of digits and dots only: an IPv4 address, or a mistyped one
    /// (`999.1.1.1`, `10.0.5`), never a host name (a top-level domain is not a number).
    package static func looksLikeIPv4(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0 == "." || ($0.isASCII && $0.isNumber) }
    }

    package static func isPlausibleHostName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
            && !text.hasPrefix(".") && !text.hasPrefix("-")
    }
}
