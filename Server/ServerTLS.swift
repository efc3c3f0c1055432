import NIOSSL
import WorkPlanProtocol

/// What the server needs for mutual TLS: its certificate and key, and the CA whose
/// client certificates it accepts (and nothing else).
public struct ServerTLSMaterial: Sendable {
    public var server: PEMCredential
    public var caCertificate: String

    public init(server: PEMCredential, caCertificate: String) {
        self.server = server
        self.caCertificate = caCertificate
    }

    /// A TLS configuration that requires a client certificate chaining to the CA.
    public func configuration() throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(server.certificate.utf8))
            let key = try NIOSSLPrivateKey(bytes: Array(server.key.utf8), format: .pem)
            let ca = try NIOSSLCertificate.fromPEMBytes(Array(caCertificate.utf8))
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .certificates(ca)
            tls.minimumTLSVersion = .tlsv12
            tls.sendCANameList = true
            return tls
        } catch {
            // `ServerHome.tlsMaterial()` has checked the files and names them; what is left is
            // a certificate or key the TLS library does not take, its error no help to a reader.
            throw WorkPlanError(.corrupt, "the TLS library cannot use the server's certificate, key or CA (server.pem, server-key.pem, ca.pem)")
        }
    }
}
