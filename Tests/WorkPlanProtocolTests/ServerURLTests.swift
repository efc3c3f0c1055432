import Testing
import WorkPlanProtocol

@Suite("Server URLs")
struct ServerURLTests {
    @Test func goodURLsComeBackNormalised() throws {
        #expect(try ServerURL.validated("https://localhost:8443") == "https://localhost:8443")
        #expect(try ServerURL.validated("https://WorkPlan.Example.org/") == "https://workplan.example.org")
        #expect(try ServerURL.validated("HTTPS://127.0.0.1:08443") == "https://127.0.0.1:8443")
        #expect(try ServerURL.validated("https://[::1]:8443/") == "https://[::1]:8443")
        #expect(try ServerURL.validated("https://[FE80::1]") == "https://[fe80::1]")
        #expect(try ServerURL.validated("https://a:1") == "https://a:1")
        #expect(try ServerURL.validated("https://a:65535") == "https://a:65535")
    }

    /// Each bad URL, and a part of the message that names its problem.
    @Test(arguments: [
        ("https://127.0.0.1:70000", "has port 70000; a port is 1–65535"),
        ("https://127.0.0.1:0", "has port 0; a port is 1–65535"),
        ("https://127.0.0.1:99999999999999999999999", "a port is 1–65535"),
        ("https://127.0.0.1:abc/", "has port 'abc'"),
        ("https://127.0.0.1:", "no port after it"),
        ("https://exa mple.com", "contains a space"),
        ("https://example.com\n", "contains a space or a control character"),
        ("http://example.com", "starts with http://; the server speaks https:// only"),
        ("example.com:8443", "does not start with https://"),
        ("://example.com", "does not start with https://"),
        ("https://example.com/api", "has a path '/api'"),
        ("https://example.com/?x=1", "has a query '?x=1'"),
        ("https://example.com#top", "has a fragment '#top'"),
        ("https://anna:secret@example.com", "has a user name or password"),
        ("https://", "has no host"),
        ("https://:8443", "has no host"),
        ("https:///", "has no host"),
        ("https://999.1.1.1", "has host '999.1.1.1', which is not an IPv4 address"),
        // The review: the resolver reads 010 as octal 8, another address than the one shown.
        ("https://010.0.0.5", "has host '010.0.0.5', which is not an IPv4 address (four numbers 0–255, without leading zeros)"),
        ("https://exa_mple.com", "has host 'exa_mple.com', which is not a host name"),
        // The review: a final dot passed here, then no certificate covered the name, and the
        // message about that suggested making a server for `localhost.`.
        ("https://localhost.:8443", "has host 'localhost.', which ends with a dot: write localhost without it"),
        ("https://a..example", "has host 'a..example', which has two dots in a row"),
        ("https://::1:8443", "without brackets"),
        ("https://[::1", "without its closing ']'"),
        ("https://[::1]x", "only :PORT may follow"),
        ("https://[12345::1]", "which is not an IPv6 address"),
    ])
    func badURLsAreRefusedNamingTheProblem(url: String, problem: String) {
        let error = #expect(throws: WorkPlanError.self) { try ServerURL.validated(url) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'\(url)'") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
    }

    @Test func anEmptyURLIsNamedAsEmpty() {
        let error = #expect(throws: WorkPlanError.self) { try ServerURL.validated("") }
        #expect(error?.message == "the server URL is empty; give https://HOST[:PORT]")
    }
}
