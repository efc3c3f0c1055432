import Foundation
import NIOSSL
import WorkPlanProtocol

/// When an enrolment can work: from the later of its certificate's and its CA's start to
/// the earlier of their ends. TLS checks certificates against the clocks of both ends, so a
/// handshake refused around these dates is most often a wrong clock or an expired
/// certificate, which the officer can act on, not a stranger's server.
struct EnrolmentDates: Sendable, Equatable {
    var from: Date
    var until: Date

    init(from: Date, until: Date) {
        self.from = from
        self.until = until
    }

    /// The bundle's dates, or nil when a part does not parse (then `tlsConfiguration` says so).
    init?(bundle: EnrolmentBundle) {
        guard let own = try? NIOSSLCertificate.fromPEMBytes(Array(bundle.certificate.utf8)).first,
              let ca = try? NIOSSLCertificate.fromPEMBytes(Array(bundle.ca.utf8)).first else { return nil }
        from = Date(timeIntervalSince1970: TimeInterval(max(own.notValidBefore, ca.notValidBefore)))
        until = Date(timeIntervalSince1970: TimeInterval(min(own.notValidAfter, ca.notValidAfter)))
    }

    /// "2026-12-01 08:43 UTC".
    static func text(_ date: Date) -> String { TimeFormat.minute(Timestamp(date.timeIntervalSince1970 * 1000)) }

    var range: String { "\(Self.text(from)) to \(Self.text(until))" }

    /// What to say when `now` is outside these dates, or nil when it is inside.
    func outside(at now: Date) -> String? {
        if now < from {
            return "this computer's clock reads \(Self.text(now)), before your enrolment is valid (\(range)): set the clock right and sync again"
        }
        if now > until {
            return "your enrolment expired at \(Self.text(until)) by this computer's clock (it reads \(Self.text(now))): if the clock is right, ask your administrator to enrol you again; if not, set it right"
        }
        return nil
    }
}

extension Transport {
    /// The TLS alert a refusal carried, in words ("certificate expired"), from BoringSSL's
    /// text (`...:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED at /path/...`), or nil.
    static func alertName(in text: String) -> String? {
        guard let range = text.range(of: #"(SSLV3|TLSV1)_ALERT_[A-Z_]+"#, options: .regularExpression) else { return nil }
        return text[range].split(separator: "_").dropFirst(2).joined(separator: " ").lowercased()
    }
}
