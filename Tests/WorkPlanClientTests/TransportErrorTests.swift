import Foundation
import Testing
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport
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
        let refused = Transport.describe(Refused(), url: "https://127.0.0.1:8443").message
        #expect(refused.contains("refused your certificate (TLS handshake failed: TLS alert: certificate unknown)"), "\(refused)")
    }

    struct VerifyFailed: Error, CustomStringConvertible {
        var description: String { "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/handshake.cc:297]))" }
    }
    struct ExpiredAlert: Error, CustomStringConvertible {
        var description: String { "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268436501 error:10000415:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/tls_record.cc:491]))" }
    }
    static let dates = EnrolmentDates(from: Date(timeIntervalSince1970: 1_796_000_000), until: Date(timeIntervalSince1970: 1_953_000_000))

    /// The clock tester: a laptop whose clock ran two hours slow was told the server's
    /// certificate was not issued by its CA. Outside the enrolment's dates, the clock or
    /// the expiry is named; inside them, the clock is still mentioned as a cause.
    @Test func aClockOutsideTheEnrolmentIsNamed() {
        let url = "https://127.0.0.1:8443"
        let slow = Transport.describe(VerifyFailed(), url: url, dates: Self.dates, now: Self.dates.from.addingTimeInterval(-7200))
        #expect(slow.code == .unauthenticated)
        #expect(slow.message.contains("this computer's clock reads 2026-11-29 22:53 UTC, before your enrolment is valid (2026-11-30 00:53 UTC to 2031-11-21 04:00 UTC): set the clock right"), "\(slow.message)")
        let late = Transport.describe(VerifyFailed(), url: url, dates: Self.dates, now: Self.dates.until.addingTimeInterval(86_400))
        #expect(late.message.contains("your enrolment expired at 2031-11-21 04:00 UTC by this computer's clock"), "\(late.message)")
        let inside = Transport.describe(VerifyFailed(), url: url, dates: Self.dates, now: Self.dates.from.addingTimeInterval(86_400))
        #expect(inside.message.contains("not issued by your bundle's CA, for another name, or not valid at this computer's time (this computer's clock reads 2026-12-01 00:53 UTC"), "\(inside.message)")
    }

    /// A server whose clock is wrong (or an enrolment that ended) sends "certificate
    /// expired": said in words, without BoringSSL's text and this build's paths.
    @Test func anExpiredAlertIsPutInWords() {
        let inside = Transport.describe(ExpiredAlert(), url: "https://127.0.0.1:8443", dates: Self.dates, now: Self.dates.from.addingTimeInterval(86_400))
        #expect(inside.code == .unauthenticated)
        #expect(inside.message.contains("refused your certificate as expired or not yet valid by the server's clock (valid 2026-11-30 00:53 UTC to 2031-11-21 04:00 UTC"), "\(inside.message)")
        #expect(!inside.message.contains("OPENSSL") && !inside.message.contains("/work/"))
        let late = Transport.describe(ExpiredAlert(), url: "https://127.0.0.1:8443", dates: Self.dates, now: Self.dates.until.addingTimeInterval(60))
        #expect(late.message.contains("refused your certificate: your enrolment expired at"), "\(late.message)")
    }

    /// Certificates are valid from a week before their issue (`CertificateAuthority.backdating`),
    /// and a bundle's dates are read from its certificate and its CA.
    @Test func bundlesAreValidFromAWeekBack() throws {
        let ca = try CertificateAuthority.create()
        let bundle = try FixtureCertificates.foreignBundle(name: "Dupont", staff: .EUMS, trustedCA: ca.certificatePEM, serverURL: "https://127.0.0.1:8443")
        let dates = try #require(EnrolmentDates(bundle: bundle))
        #expect(dates.from < Date().addingTimeInterval(-6 * 86_400))
        #expect(dates.until > Date().addingTimeInterval(4 * 365 * 86_400))
        #expect(dates.outside(at: Date()) == nil)
    }
}
