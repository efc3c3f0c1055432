import Crypto
import Foundation
import X509
import WorkPlanProtocol

extension ServerHome {
    /// How long before its end a certificate is reported as ending soon (`check`, `serve`).
    public static let expiryWarning: TimeInterval = 90 * 86_400

    /// What `check` and `serve` say of the dates of the server's certificate and its CA:
    /// `ended` when one is no longer valid (no one can sync), `endingSoon` within
    /// `expiryWarning` of its end. The clock tester: after five years every sync failed,
    /// while `serve` started without a word and `check` printed "ok".
    public struct CertificateDates: Sendable {
        public var ended: [String] = []
        public var endingSoon: [String] = []
    }

    public func certificateDates(now: Date = Date()) throws -> CertificateDates {
        var out = CertificateDates()
        let (_, server) = try certificate(at: serverCertificatePath, "server certificate")
        let (_, ca) = try certificate(at: caCertificatePath, "CA certificate")
        for (what, c, remedy) in [("the server certificate \(serverCertificatePath)", server, "run 'workplan-server renew' and restart the server"),
                                  ("the CA certificate \(caCertificatePath)", ca, "set up a new server (workplan-server init in a new folder) and enrol everyone again")] {
            let until = c.notValidAfter
            if now > until {
                out.ended.append("\(what) ended at \(Self.dateText(until)): no one can sync; \(remedy)")
            } else if until.timeIntervalSince(now) < Self.expiryWarning {
                out.endingSoon.append("\(what) ends at \(Self.dateText(until)); before then, \(remedy)")
            } else if now < c.notValidBefore {
                out.ended.append("\(what) is valid only from \(Self.dateText(c.notValidBefore)): this computer's clock is wrong, or the certificate is")
            }
        }
        return out
    }

    /// Replaces the server certificate with one for the same key and names (or `names`),
    /// valid five years from now. The key is kept, so only `server.pem` changes, in one
    /// rename: a crash leaves the old certificate or the new, never a certificate without
    /// its key. Officers' bundles need nothing (they trust the CA, which is unchanged). A
    /// running server goes on with the old certificate until it is restarted.
    public func renewServerCertificate(names: [String]? = nil) throws -> (names: [String], until: Date) {
        _ = try tlsMaterial()
        let ca = try certificateAuthority()
        let (_, key) = try privateKey(at: serverKeyPath, "server key") { text in
            do { return try P256.Signing.PrivateKey(pemRepresentation: text) } catch {
                throw WorkPlanCertificateError("not a P-256 private key (the server's key is one)")
            }
        }
        let covered = try CertificateAuthority.serverNames(names ?? serverCertificateNames())
        let issued = try ca.issueServerCertificate(names: covered, key: key)
        let temporary = serverCertificatePath + ".new"
        try? FileManager.default.removeItem(atPath: temporary)
        try SecureFile.write(issued.certificate, to: temporary, mode: 0o644)
        guard rename(temporary, serverCertificatePath) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw WorkPlanError.invalid("cannot replace \(serverCertificatePath): \(reason)")
        }
        let (_, certificate) = try self.certificate(at: serverCertificatePath, "server certificate")
        return (covered, certificate.notValidAfter)
    }

    /// "2031-11-30 08:46 UTC".
    static func dateText(_ date: Date) -> String { TimeFormat.minute(Timestamp(date.timeIntervalSince1970 * 1000)) }
}
