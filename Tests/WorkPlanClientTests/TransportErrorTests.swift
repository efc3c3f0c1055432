import Testing
import WorkPlanProtocol
@testable import WorkPlanClient

/// Connection failures in words (`Transport.describe`).
@Suite("Transport errors")
struct TransportErrorTests {
    /// The bad-input tester: a bundle whose server host does not resolve said "DNS error:
    /// SocketAddressError.UnknownHost: Name or service not known (error -2) for host …".
    @Test func anUnknownHostIsNamed() {
        struct Resolution: Error, CustomStringConvertible {
            var description: String { "DNS error: SocketAddressError.UnknownHost: Name or service not known (error -2) for host other.example, port 36601" }
        }
        let e = Transport.describe(Resolution(), url: "https://other.example:36601")
        #expect(e.code == .unavailable)
        #expect(e.message == "cannot reach the server at https://other.example:36601: the host name other.example is not known (check the server address your bundle gives, or this network's name service)")
    }
}
