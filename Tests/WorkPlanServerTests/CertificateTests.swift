import Foundation
import GRDB
import SwiftASN1
import Testing
import X509
import WorkPlanProtocol
import WorkPlanServer
import WorkPlanTestSupport

@Suite("Certificates and the data folder")
struct CertificateTests {
    @Test func caServerAndUserCertificatesHaveTheRightShape() throws {
        let ca = try CertificateAuthority.create()
        let caCert = try Certificate(pemEncoded: ca.certificatePEM)
        #expect(caCert.issuer == caCert.subject)
        #expect(try caCert.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try caCert.extensions.keyUsage?.keyCertSign == true)

        let server = try ca.issueServerCertificate(names: ["localhost", "127.0.0.1", "plan.example.org"])
        let serverCert = try Certificate(pemEncoded: server.certificate)
        let sans = try #require(try serverCert.extensions.subjectAlternativeNames)
        #expect(sans.contains(.dnsName("localhost")))
        #expect(sans.contains(.dnsName("plan.example.org")))
        #expect(sans.contains(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))))
        #expect(serverCert.issuer == caCert.subject)

        let user = try ca.issueUserCertificate(name: "Anna Schmidt", staff: .EUMS)
        let userCert = try Certificate(pemEncoded: user.certificate)
        #expect(userCert.subject.description.contains("CN=Anna Schmidt"))
        #expect(userCert.subject.description.contains("O=EUMS"))
        #expect(try userCert.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
        #expect(try userCert.extensions.basicConstraints == .notCertificateAuthority)

        // Reloading the CA from PEM gives the same CA.
        let again = try CertificateAuthority(credential: ca.credential)
        #expect(again.certificatePEM == ca.certificatePEM)
    }

    /// The clock tester: after five years every sync failed and nothing could renew the
    /// server certificate. `renew` issues it again for the same key and names (or others),
    /// and `check`/`serve` name a certificate that has ended or ends soon.
    @Test func theServerCertificateIsRenewedForTheSameKeyAndNames() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("srv"), names: ["plan.example.org", "127.0.0.1"])
        let before = try Certificate(pemEncoded: try String(contentsOfFile: home.serverCertificatePath, encoding: .utf8))
        let key = try String(contentsOfFile: home.serverKeyPath, encoding: .utf8)
        let renewed = try home.renewServerCertificate()
        #expect(renewed.names == ["plan.example.org", "127.0.0.1"])
        let after = try Certificate(pemEncoded: try String(contentsOfFile: home.serverCertificatePath, encoding: .utf8))
        #expect(after.serialNumber != before.serialNumber)
        #expect(after.publicKey == before.publicKey)
        #expect(try String(contentsOfFile: home.serverKeyPath, encoding: .utf8) == key)
        #expect(after.notValidAfter >= before.notValidAfter && after.notValidAfter == renewed.until)
        #expect(try home.serverCertificateNames() == ["plan.example.org", "127.0.0.1"])
        _ = try home.tlsMaterial()
        #expect(!FileManager.default.fileExists(atPath: home.serverCertificatePath + ".new"))
        // Other names, checked as `init` checks them.
        #expect(try home.renewServerCertificate(names: ["Plan.Example.ORG", "plan.example.org", "10.0.0.5"]).names == ["plan.example.org", "10.0.0.5"])
        #expect(throws: WorkPlanCertificateError.self) { try home.renewServerCertificate(names: ["999.1.1.1"]) }
        #expect(try home.serverCertificateNames() == ["plan.example.org", "10.0.0.5"])

        let day: TimeInterval = 86_400
        let now = try home.certificateDates(now: Date())
        #expect(now.ended.isEmpty && now.endingSoon.isEmpty)
        let soon = try home.certificateDates(now: after.notValidAfter.addingTimeInterval(-30 * day))
        #expect(soon.ended.isEmpty && soon.endingSoon.count == 1 && soon.endingSoon[0].contains("run 'workplan-server renew'"), "\(soon)")
        let late = try home.certificateDates(now: after.notValidAfter.addingTimeInterval(day))
        #expect(late.ended.count == 1 && late.ended[0].contains("no one can sync"), "\(late)")
        let slow = try home.certificateDates(now: after.notValidBefore.addingTimeInterval(-day))
        #expect(slow.ended.count == 2 && slow.ended[0].contains("clock is wrong"), "\(slow)")
    }

    @Test func badServerNamesAreRefused() throws {
        let ca = try CertificateAuthority.create()
        #expect(throws: WorkPlanCertificateError.self) { try ca.issueServerCertificate(names: ["bad name"]) }
        #expect(throws: WorkPlanCertificateError.self) { try ca.issueServerCertificate(names: []) }
    }

    /// The black-box tester: `init --name a.example --name a.example` put the name in the
    /// certificate twice, and `--name 999.1.1.1` was taken as a DNS name.
    @Test func serverNamesAreCheckedAndHeldOnce() throws {
        #expect(try CertificateAuthority.serverNames(["a.example", "A.Example", "10.0.0.5", "::1", "0:0::1", "localhost"])
                == ["a.example", "10.0.0.5", "::1", "localhost"])
        let ca = try CertificateAuthority.create()
        let server = try ca.issueServerCertificate(names: ["a.example", "A.EXAMPLE", "127.0.0.1", "127.0.0.1"])
        let sans = try #require(try Certificate(pemEncoded: server.certificate).extensions.subjectAlternativeNames)
        #expect(Array(sans) == [.dnsName("a.example"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
        for bad in ["999.1.1.1", "10.0.5", "1.2.3.4.5", "010.0.0.5", "10.000.0.5"] {
            let error = #expect(throws: WorkPlanCertificateError.self) { try ca.issueServerCertificate(names: ["localhost", bad]) }
            #expect(error?.description == "'\(bad)' is not an IPv4 address (four numbers 0–255, without leading zeros)")
        }
        for (bad, problem) in [("localhost.", "ends with a dot: write localhost without it"), ("a..example", "has two dots in a row"),
                               ("exa_mple.", "is neither a host name nor an IP address")] {
            let error = #expect(throws: WorkPlanCertificateError.self) { try ca.issueServerCertificate(names: [bad]) }
            #expect(error?.description == "'\(bad)' \(problem)")
        }
    }

    @Test func initWritesPrivateKeysAndRefusesToOverwrite() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("srv"))
        // The store too (both staffs' one-staff records, the users): the operations tester
        // found it 0644.
        for path in [home.caKeyPath, home.serverKeyPath, home.storePath] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(path)")
        }
        let before = try String(contentsOfFile: home.caCertificatePath, encoding: .utf8)
        #expect(throws: WorkPlanError.self) { try ServerHome.initialize(at: tmp.file("srv")) }
        #expect(try String(contentsOfFile: home.caCertificatePath, encoding: .utf8) == before)
    }

    @Test func enrolmentBundlesChainToTheCA() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("srv"))
        let store = try home.openStore()
        defer { try? store.close() }
        let bundle = try home.enrol(name: "ivan", staff: .IMS, role: .viewer, serverURL: "https://localhost:8443", store: store)
        #expect(bundle.format == EnrolmentBundle.formatName)
        #expect(bundle.ca == (try home.certificateAuthority().certificatePEM))
        let users = try store.users()
        #expect(users.map(\.name) == ["ivan"])
        #expect(users[0].fingerprint == (try CertificateFingerprint.sha256(pem: bundle.certificate)))
        #expect(throws: WorkPlanError.self) {
            _ = try home.enrol(name: "ivan", staff: .IMS, role: .viewer, serverURL: "https://localhost:8443", store: store)
        }
        #expect(try store.users().count == 1)
    }

    /// The review: a store from before user names were compared whatever their spacing may
    /// hold "Maj. C. Temp" and "Maj.  C. Temp". Revoking the second revoked the first, and the
    /// second could never be revoked. The exact spelling names one; another is refused,
    /// naming both.
    @Test func usersSpelledAlikeInAnOlderStoreAreNamedExactly() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("srv"))
        let store = try home.openStore()
        defer { try? store.close() }
        _ = try home.enrol(name: "Maj. C. Temp", staff: .EUMS, role: .editor, serverURL: "https://localhost:8443", store: store)
        let cert = try CertificateAuthority.create().issueUserCertificate(name: "x", staff: .EUMS).certificate
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO users(name, staff, role, fingerprint, certificate, created_at) VALUES (?, 'EUMS', 'editor', ?, ?, 0)",
                           arguments: ["Maj.  C. Temp", try CertificateFingerprint.sha256(pem: cert), cert])
        }
        #expect(try store.revokeUser(name: "Maj.  C. Temp").name == "Maj.  C. Temp")
        #expect(try store.users().filter(\.isRevoked).map(\.name) == ["Maj.  C. Temp"])
        let alike = #expect(throws: WorkPlanError.self) { try store.revokeUser(name: "maj. c. temp") }
        #expect(alike?.code == .ambiguous && alike?.message.contains("'Maj. C. Temp'") == true, "\(String(describing: alike))")
        #expect(try store.revokeUser(name: "Maj. C. Temp").name == "Maj. C. Temp")
    }

    /// The black-box tester: a junk `ca-key.pem` made `user add` say "...: invalidPEMDocument",
    /// a junk `server.pem` made `serve` say "cannot listen on ...: failedToLoadCertificate".
    /// Each file is named, with its problem in words; a key of another server too.
    @Test func aDamagedKeyOrCertificateIsNamedWithItsProblem() throws {
        let tmp = try TemporaryDirectory()
        let other = try ServerHome.initialize(at: tmp.file("other"))
        let advice = "(restore it from your backup of the server folder)"
        let cases: [(file: String, contents: String, load: (ServerHome) throws -> Void, message: (ServerHome) -> String)] = [
            ("ca-key.pem", "junk\n", { _ = try $0.certificateAuthority() },
             { "cannot read the CA key \($0.caKeyPath): not a PEM private key \(advice)" }),
            ("ca.pem", "", { _ = try $0.certificateAuthority() },
             { "cannot read the CA certificate \($0.caCertificatePath): an empty file, not a PEM certificate \(advice)" }),
            ("server.pem", "junk\n", { _ = try $0.tlsMaterial() },
             { "cannot read the server certificate \($0.serverCertificatePath): not a PEM certificate \(advice)" }),
            ("server-key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", { _ = try $0.tlsMaterial() },
             { "cannot read the server key \($0.serverKeyPath): a damaged private key \(advice)" }),
            ("server-key.pem", try String(contentsOfFile: other.serverKeyPath, encoding: .utf8), { _ = try $0.tlsMaterial() },
             { "the server key \($0.serverKeyPath) is not the key of the server certificate \($0.serverCertificatePath) (restore both from your backup of the server folder)" }),
        ]
        for (index, c) in cases.enumerated() {
            let home = try ServerHome.initialize(at: tmp.file("srv\(index)"))
            try c.contents.write(toFile: home.directory + "/" + c.file, atomically: true, encoding: .utf8)
            let error = #expect(throws: WorkPlanError.self) { try c.load(home) }
            #expect(error?.message == c.message(home), "\(c.file)")
        }
    }

    /// The black-box tester: `user add --server-url https://other.example:8443` wrote a bundle
    /// for a host the server certificate does not cover, which could never sync.
    @Test func enrolmentRefusesAHostTheServerCertificateDoesNotCover() throws {
        let tmp = try TemporaryDirectory()
        let home = try ServerHome.initialize(at: tmp.file("srv"), names: ["plan.example", "10.0.0.5", "::1"])
        #expect(try home.serverCertificateNames() == ["plan.example", "10.0.0.5", "::1"])
        let store = try home.openStore()
        defer { try? store.close() }
        for url in ["https://other.example:8443", "https://10.0.0.6", "https://[::2]:8443"] {
            let error = #expect(throws: WorkPlanError.self) {
                try home.enrol(name: "anna", staff: .EUMS, role: .editor, serverURL: url, store: store)
            }
            let host = ServerURL.host(ofValidated: url)
            #expect(error?.message == "the server certificate \(home.serverCertificatePath) covers plan.example, 10.0.0.5, ::1, not \(host): give one of those in --server-url, or make a server whose certificate covers \(host) (workplan-server init --name \(host), in a new folder)")
        }
        #expect(try store.users().isEmpty)
        for (index, url) in ["https://PLAN.example:9000", "https://10.0.0.5", "https://[0:0::1]:8443"].enumerated() {
            _ = try home.enrol(name: "user\(index)", staff: .EUMS, role: .editor, serverURL: url, store: store)
        }
        #expect(try store.users().count == 3)
    }
}
