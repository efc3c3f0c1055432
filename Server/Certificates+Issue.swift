import Crypto
import Foundation
import SwiftASN1
import X509
import WorkPlanProtocol

extension CertificateAuthority {
    /// The names a server certificate gets when none are given.
    public static let defaultServerNames = ["localhost", "127.0.0.1"]

    /// `names` checked and without repeats, as a server certificate holds them: DNS names
    /// in lower case (a name given twice in any case counts once), IP addresses as given (the
    /// same address twice, however written, once). Throws for a name that is neither a host
    /// name nor an IP address, naming it: digits and dots that are no IPv4 address too.
    public static func serverNames(_ names: [String]) throws -> [String] {
        var seen = Set<String>(), out: [String] = []
        for name in names {
            let key: String, held: String
            if let bytes = IPAddressText.bytes(name) {
                (key, held) = ("\(bytes)", name)
            } else if IPAddressText.looksLikeIPv4(name) {
                throw WorkPlanCertificateError("'\(name)' is not an IPv4 address (four numbers 0–255, without leading zeros)")
            } else if IPAddressText.isPlausibleHostName(name) {
                (key, held) = (name.lowercased(), name.lowercased())
            } else {
                throw WorkPlanCertificateError("'\(name)' " + (IPAddressText.misplacedDot(name) ?? "is neither a host name nor an IP address"))
            }
            if seen.insert(key).inserted { out.append(held) }
        }
        return out
    }

    /// Issues the server's certificate, with a subject alternative name for each of `names`
    /// (IPv4/IPv6 literals become IP address entries, everything else DNS names), checked
    /// and de-duplicated by `serverNames(_:)`.
    /// With `key`, the certificate is for that key (a renewal keeps the server's key, so
    /// only the certificate file changes); without, for a new one.
    public func issueServerCertificate(names given: [String] = defaultServerNames, key: P256.Signing.PrivateKey? = nil) throws -> PEMCredential {
        let names = try Self.serverNames(given)
        guard !names.isEmpty else { throw WorkPlanCertificateError("a server certificate needs at least one name") }
        let sans: [GeneralName] = names.map { name in
            if let bytes = IPAddressText.bytes(name) {
                return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
            }
            return .dnsName(name)
        }
        let subject = try DistinguishedName {
            OrganizationName("WorkPlan")
            CommonName(names[0])
        }
        return try issue(subject: subject, usage: .serverAuth, sans: SubjectAlternativeNames(sans), key: key)
    }

    /// Issues an officer's client certificate: CN = name, O = staff, extended key usage clientAuth.
    public func issueUserCertificate(name: String, staff: Staff) throws -> PEMCredential {
        let subject = try DistinguishedName {
            OrganizationName(staff.rawValue)
            CommonName(name)
        }
        return try issue(subject: subject, usage: .clientAuth, sans: nil)
    }

    private func issue(subject: DistinguishedName, usage: ExtendedKeyUsage.Usage,
                       sans: SubjectAlternativeNames?, key given: P256.Signing.PrivateKey? = nil) throws -> PEMCredential {
        let leafKey = given ?? P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(leafKey.publicKey)
        let issuerKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([usage])
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
            if let sans { sans }
        }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-Self.backdating),
            notValidAfter: now.addingTimeInterval(Self.leafValidity),
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: .init(key))
        return PEMCredential(certificate: try cert.serializeAsPEM().pemString, key: leafKey.pemRepresentation)
    }
}

/// SHA-256 fingerprints of certificates: how the server recognises a user.
public enum CertificateFingerprint {
    /// Lowercase hex SHA-256 of the DER encoding.
    public static func sha256(der: some Sequence<UInt8>) -> String {
        let digest = SHA256.hash(data: Array(der))
        return digest.map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }

    /// The fingerprint of a PEM certificate.
    public static func sha256(pem: String) throws -> String {
        let doc = try PEMDocument(pemString: pem)
        return sha256(der: doc.derBytes)
    }
}
