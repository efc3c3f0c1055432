import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate with its private key, both PEM (what `init` writes and bundles carry).
public struct PEMCredential: Sendable, Hashable {
    /// The certificate, PEM.
    public var certificate: String
    /// The private key, PEM (PKCS#8).
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}

/// The WorkPlan certificate authority: a P-256 key and a self-signed CA certificate, able to
/// issue the server's certificate and the officers' client certificates. Everything happens
/// in process with swift-certificates and swift-crypto (no `openssl`).
public struct CertificateAuthority: Sendable {
    /// The CA's own certificate and key.
    public let credential: PEMCredential
    let certificate: Certificate
    /// The CA key's raw representation (the key type itself is not `Sendable`).
    let keyBytes: [UInt8]
    var key: P256.Signing.PrivateKey {
        // The bytes came from a valid key, so this cannot fail.
        try! P256.Signing.PrivateKey(rawRepresentation: keyBytes)
    }

    /// How long issued certificates are valid.
    public static let caValidity: TimeInterval = 20 * 365 * 86_400
    public static let leafValidity: TimeInterval = 5 * 365 * 86_400
    /// How long before its issue a certificate is already valid. Laptops on a closed network
    /// keep their own time: with an hour, one whose clock ran two hours slow could not sync
    /// with a server set up that day (the clock tester). A week of slack costs nothing: who
    /// may sync is decided by the user table, not by these dates.
    public static let backdating: TimeInterval = 7 * 86_400

    /// Creates a new CA with a fresh key.
    public static func create(name: String = "WorkPlan CA") throws -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("WorkPlan")
            CommonName(name)
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
        }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-backdating), notValidAfter: now.addingTimeInterval(caValidity),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: .init(key))
        return try CertificateAuthority(certificate: cert, key: key)
    }

    /// Loads a CA from its PEM certificate and key.
    public init(credential: PEMCredential) throws {
        do {
            let cert = try Certificate(pemEncoded: credential.certificate)
            let key = try P256.Signing.PrivateKey(pemRepresentation: credential.key)
            try self.init(certificate: cert, key: key)
        } catch let error as WorkPlanCertificateError {
            throw error
        } catch {
            throw WorkPlanCertificateError("the CA certificate or key cannot be read: \(error)")
        }
    }

    init(certificate: Certificate, key: P256.Signing.PrivateKey) throws {
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw WorkPlanCertificateError("the CA key does not match the CA certificate")
        }
        self.certificate = certificate
        self.keyBytes = Array(key.rawRepresentation)
        self.credential = PEMCredential(
            certificate: try certificate.serializeAsPEM().pemString,
            key: key.pemRepresentation)
    }

    /// The CA certificate, PEM.
    public var certificatePEM: String { credential.certificate }
}

/// A certificate could not be made or read.
public struct WorkPlanCertificateError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
