import Crypto
import Foundation
import X509
import WorkPlanProtocol

/// The server's data folder: the CA, the server's certificate and the store.
///
/// ```
/// ca.pem  ca-key.pem  server.pem  server-key.pem  store.sqlite
/// ```
/// Keys are written with mode 0600.
public struct ServerHome: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
    }

    public var caCertificatePath: String { directory + "/ca.pem" }
    public var caKeyPath: String { directory + "/ca-key.pem" }
    public var serverCertificatePath: String { directory + "/server.pem" }
    public var serverKeyPath: String { directory + "/server-key.pem" }
    public var storePath: String { directory + "/store.sqlite" }

    var allPaths: [String] { [caCertificatePath, caKeyPath, serverCertificatePath, serverKeyPath, storePath] }

    /// The private keys and the store that other users of this machine may read or write
    /// (any group or other permission bit), with their modes: `serve` warns of each (the
    /// operations tester chmod-ed the keys 0644 and heard nothing).
    public func filesOpenToOthers() -> [(path: String, mode: Int)] {
        [caKeyPath, serverKeyPath, storePath].compactMap { path in
            guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int,
                  mode & 0o077 != 0 else { return nil }
            return (path, mode)
        }
    }

    /// Whether the folder already holds a server.
    public var exists: Bool { allPaths.contains { FileManager.default.fileExists(atPath: $0) } }

    /// Creates a CA, a server certificate for `names` and an empty store. Refuses to touch
    /// a folder that already holds any of them.
    @discardableResult
    public static func initialize(at directory: String, names: [String] = CertificateAuthority.defaultServerNames) throws -> ServerHome {
        let home = ServerHome(directory: directory)
        if let existing = home.allPaths.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw WorkPlanError(.alreadyExists, "\(directory) already holds a server (\(existing)); refusing to overwrite it")
        }
        try LocalFolder.checkHoldsNone(of: LocalFolder.replicaMarks, in: directory, theirs: "an officer's replica", making: "a server's data")
        // Everything that can fail for a user mistake fails before anything is written.
        let ca = try CertificateAuthority.create()
        let server = try ca.issueServerCertificate(names: names)
        try LocalFolder.create(directory, naming: "the data folder")
        try SecureFile.write(ca.credential.certificate, to: home.caCertificatePath, mode: 0o644)
        try SecureFile.write(ca.credential.key, to: home.caKeyPath)
        try SecureFile.write(server.certificate, to: home.serverCertificatePath, mode: 0o644)
        try SecureFile.write(server.key, to: home.serverKeyPath)
        let store = try ServerStore(path: home.storePath, create: true)
        try home.markStoreCA(in: store)
        try store.close()
        return home
    }

    /// Checks the folder holds an initialised server.
    public func requireInitialized() throws {
        for path in allPaths where !FileManager.default.fileExists(atPath: path) {
            throw WorkPlanError(.notFound, "\(directory) holds no server (missing \((path as NSString).lastPathComponent)); run `workplan-server init --dir \(directory)` first")
        }
    }

    /// The CA (to issue user certificates). A damaged `ca.pem` or `ca-key.pem`, or a key
    /// that is not the certificate's, is named in words with the file.
    public func certificateAuthority() throws -> CertificateAuthority {
        try requireInitialized()
        let (certificate, _) = try self.certificate(at: caCertificatePath, "CA certificate")
        let (key, _) = try privateKey(at: caKeyPath, "CA key") { text in
            do { return try P256.Signing.PrivateKey(pemRepresentation: text) } catch {
                throw WorkPlanCertificateError("not a P-256 private key (the CA's key is one)")
            }
        }
        do {
            return try CertificateAuthority(credential: PEMCredential(certificate: certificate, key: key))
        } catch let e as WorkPlanCertificateError {
            throw WorkPlanError(.corrupt, "cannot use the CA \(caCertificatePath) with \(caKeyPath): \(e.description) (\(Self.restoreBothAdvice))")
        }
    }

    /// The server's TLS material, each file checked (a PEM file of the right kind, the key
    /// the certificate's) so that a damaged one is named here in words, before `serve`
    /// tries to listen.
    public func tlsMaterial() throws -> ServerTLSMaterial {
        try requireInitialized()
        let (certificatePEM, certificate) = try self.certificate(at: serverCertificatePath, "server certificate")
        let (keyPEM, key) = try privateKey(at: serverKeyPath, "server key") { try Certificate.PrivateKey(pemEncoded: $0) }
        guard key.publicKey == certificate.publicKey else {
            throw WorkPlanError(.corrupt, "the server key \(serverKeyPath) is not the key of the server certificate \(serverCertificatePath) (\(Self.restoreBothAdvice))")
        }
        let (caPEM, _) = try self.certificate(at: caCertificatePath, "CA certificate")
        return ServerTLSMaterial(server: PEMCredential(certificate: certificatePEM, key: keyPEM), caCertificate: caPEM)
    }

    /// Opens the store.
    public func openStore(serving: Bool = false) throws -> ServerStore {
        try requireInitialized()
        // A store from an older release is upgraded only when no server is serving it: that
        // server, of the older release, would go on writing changes without what the new
        // schema keeps (the upgrade tester: a new `backup` before the restart, as the docs
        // advise, upgraded the store under the old server). `serve` holds the lock itself.
        let store = try ServerStore(path: storePath, beforeUpgrading: serving ? nil : {
            guard let lock = try self.lockIfFree() else {
                throw WorkPlanError(.unavailable, "the server store \(self.storePath) is from an older release and a workplan-server is serving it: stop that server and start this release's `workplan-server serve`, which upgrades the store; then run this command again (upgrading it under the running server would let that server write changes this release cannot keep from the other staff)")
            }
            return lock
        })
        // Best effort: a CA file that cannot be read is named by the commands that use it.
        try? markStoreCAIfMissing(store)
        return store
    }

    /// Enrols a user: issues their certificate, records them in the store and returns the
    /// bundle to hand them. Refuses a `serverURL` whose host the server certificate does
    /// not cover (the bundle could never sync).
    public func enrol(name: String, staff: Staff, role: Role, serverURL: String, store: ServerStore) throws -> EnrolmentBundle {
        try ServerStore.validateUserName(name)
        let name = try store.enrolmentName(for: name)
        try requireCertificateCovers(serverURL)
        let ca = try certificateAuthority()
        let credential = try ca.issueUserCertificate(name: name, staff: staff)
        _ = try store.addUser(name: name, staff: staff, role: role, certificatePEM: credential.certificate)
        return EnrolmentBundle(user: name, staff: staff, role: role, serverURL: serverURL,
                               certificate: credential.certificate, key: credential.key, ca: ca.certificatePEM)
    }
}
