import Foundation
import SwiftASN1
import X509
import WorkPlanProtocol

extension ServerHome {
    /// The port a bundle's server URL gets when `user add` is given no `--server-url`.
    public static let defaultPort = 8443

    /// The names the server certificate (`server.pem`) covers, its subject alternative
    /// names: DNS names, and IP addresses as text.
    public func serverCertificateNames() throws -> [String] {
        let (_, certificate) = try self.certificate(at: serverCertificatePath, "server certificate")
        guard let sans = (try? certificate.extensions.subjectAlternativeNames) ?? nil else { return [] }
        return sans.compactMap { name in
            switch name {
            case .dnsName(let dns): dns.lowercased()
            case .ipAddress(let address): IPAddressText.text(Array(address.bytes))
            default: nil
            }
        }
    }

    /// Throws unless the server certificate covers the host of `serverURL`: a bundle with
    /// another host could never sync (the client checks the certificate against the host it
    /// connects to). The error names the host and the names the certificate covers.
    public func requireCertificateCovers(_ serverURL: String) throws {
        let host = ServerURL.host(ofValidated: try ServerURL.validated(serverURL))
        let names = try serverCertificateNames()
        if names.contains(where: { Self.name($0, covers: host) }) { return }
        let covered = names.isEmpty ? "no host names" : names.joined(separator: ", ")
        throw WorkPlanError(.invalidInput, "the server certificate \(serverCertificatePath) covers \(covered), not \(host): give one of those in --server-url, or make a server whose certificate covers \(host) (workplan-server init --name \(host), in a new folder)")
    }

    /// Whether a certificate name covers `host` (in lower case): the same address, however
    /// written, or the same DNS name.
    static func name(_ name: String, covers host: String) -> Bool {
        if let address = IPAddressText.bytes(host) { return IPAddressText.bytes(name) == address }
        return name == host
    }
}
