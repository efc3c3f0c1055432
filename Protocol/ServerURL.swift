import Foundation

/// The address clients reach the server at (`https://HOST[:PORT]`): written into enrolment
/// bundles by `workplan-server user add --server-url` and given to `workplan join --server`.
public enum ServerURL {
    /// Checks that `text` is a server URL and returns it normalised: scheme and host in
    /// lower case, the port without leading zeros, no trailing slash.
    ///
    /// A server URL has the scheme `https`; a host that is a DNS name, an IPv4 address or an
    /// IPv6 address in brackets; optionally a port 1–65535; no path other than "/"; no
    /// query, fragment, user name or password; no spaces. Anything else throws a
    /// `WorkPlanError` with code `.invalidInput` whose message quotes `text` and names the
    /// problem, e.g. "the server URL 'https://127.0.0.1:70000' has port 70000; a port is 1–65535".
    public static func validated(_ text: String) throws -> String {
        func refuse(_ problem: String) -> WorkPlanError {
            WorkPlanError(.invalidInput, "the server URL '\(text)' \(problem)")
        }
        let only = "give only https://HOST[:PORT]"
        guard !text.isEmpty else { throw WorkPlanError(.invalidInput, "the server URL is empty; give https://HOST[:PORT]") }
        if text.contains(where: { $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) }) {
            throw refuse("contains a space or a control character")
        }
        guard let schemeEnd = text.range(of: "://"), !text[..<schemeEnd.lowerBound].isEmpty else {
            throw refuse("does not start with https://")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "https" else { throw refuse("starts with \(scheme)://; the server speaks https:// only") }

        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { !"/?#".contains($0) }
        let tail = rest[authority.endIndex...]
        if authority.contains("@") { throw refuse("has a user name or password; \(only)") }

        let host: String, portText: Substring?, bracketed: Bool
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("has an IPv6 address without its closing ']'") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw refuse("has '\(after)' after the IPv6 address; only :PORT may follow") }
            portText = after.isEmpty ? nil : after.dropFirst()
            bracketed = true
            guard IPAddressText.ipv6(host) != nil else { throw refuse("has host '[\(host)]', which is not an IPv6 address") }
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = String(parts[0])
            portText = parts.count > 1 ? parts[1] : nil
            bracketed = false
            if portText?.contains(":") == true { throw refuse("has an IPv6 address without brackets; write https://[ADDRESS]:PORT") }
            guard !host.isEmpty else { throw refuse("has no host; give https://HOST[:PORT]") }
            if IPAddressText.looksLikeIPv4(host) {
                guard IPAddressText.ipv4(host) != nil else { throw refuse("has host '\(host)', which is not an IPv4 address (four numbers 0–255, without leading zeros)") }
            } else if !IPAddressText.isPlausibleHostName(host) {
                throw refuse("has host '\(host)', which " + (IPAddressText.misplacedDot(host)
                             ?? "is not a host name (letters, digits, '-' and '.') or an IP address"))
            }
        }

        var port = ""
        if let portText {
            guard !portText.isEmpty else { throw refuse("has ':' but no port after it; a port is 1–65535") }
            guard portText.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw refuse("has port '\(portText)'; a port is a number 1–65535") }
            guard let number = Int(portText), (1...65535).contains(number) else { throw refuse("has port \(portText); a port is 1–65535") }
            port = ":\(number)"
        }

        let path = tail.prefix { $0 != "?" && $0 != "#" }
        guard path.isEmpty || path == "/" else { throw refuse("has a path '\(path)'; \(only)") }
        let afterPath = tail[path.endIndex...]
        if afterPath.hasPrefix("?") { throw refuse("has a query '\(afterPath.prefix { $0 != "#" })'; \(only)") }
        if afterPath.hasPrefix("#") { throw refuse("has a fragment '\(afterPath)'; \(only)") }

        let normalHost = host.lowercased()
        return "https://" + (bracketed ? "[\(normalHost)]" : normalHost) + port
    }

    /// The host of a URL `validated(_:)` returned, without the brackets of an IPv6 address.
    public static func host(ofValidated url: String) -> String {
        let authority = url.dropFirst("https://".count)
        if authority.hasPrefix("[") { return String(authority.dropFirst().prefix { $0 != "]" }) }
        return String(authority.prefix { $0 != ":" })
    }

    /// `https://HOST:PORT`, with brackets around an IPv6 address.
    public static func make(host: String, port: Int) -> String {
        "https://" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }
}
