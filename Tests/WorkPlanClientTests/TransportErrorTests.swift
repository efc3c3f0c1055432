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

    /// The kill-soak tester: a server killed during the TLS handshake made a sync say the
    /// server "refused your certificate" (a valid one). An end of file with no alert names
    /// both causes; an alert is still a refusal.
    @Test func aConnectionClosedDuringTheHandshakeIsNotCalledARefusal() {
        struct Closed: Error, CustomStringConvertible {
            var description: String { "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: EOF during handshake]))" }
        }
        let e = Transport.describe(Closed(), url: "https://127.0.0.1:8443")
        #expect(e.code == .unavailable)
        #expect(e.message.contains("closed the connection during the TLS handshake: it may have stopped (try 'workplan sync' again), or refused your certificate"), "\(e.message)")
        struct Refused: Error, CustomStringConvertible {
            var description: String { "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268436502 error:10000416:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_UNKNOWN]))" }
        }
        #expect(Transport.describe(Refused(), url: "https://127.0.0.1:8443").message.contains("refused your certificate (TLS handshake failed"))
    }
}
