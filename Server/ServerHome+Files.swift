import Crypto
import Foundation
import SwiftASN1
import X509
import WorkPlanProtocol

extension ServerHome {
    /// What every problem with one of the folder's PEM files tells the administrator to do.
    static let restoreAdvice = "restore it from your backup of the server folder"
    /// The same, for two files that do not belong together.
    static let restoreBothAdvice = "restore both from your backup of the server folder"

    /// The certificate in the folder's file at `path` (`what` names it in errors: "server
    /// certificate"). The first one, when the file holds a chain.
    func certificate(at path: String, _ what: String) throws -> (pem: String, certificate: Certificate) {
        let (pem, certificate) = try pemFile(at: path, what, kind: "certificate", labels: ["CERTIFICATE"]) { text in
            try Certificate(pemDocument: try PEMDocument.parseMultiple(pemString: text)[0])
        }
        return (pem, certificate)
    }

    /// The private key in the folder's file at `path`; `parse` reads it (the CA's must be P-256).
    func privateKey<Key>(at path: String, _ what: String, parse: (String) throws -> Key) throws -> (pem: String, key: Key) {
        let (pem, key) = try pemFile(at: path, what, kind: "private key", labels: ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"], parse: parse)
        return (pem, key)
    }

    /// Reads a PEM file of the folder and parses it. Every problem is a `corrupt` error that
    /// names the file and the problem in words (not the parser's error), e.g. "cannot read the
    /// server certificate SRV/server.pem: not a PEM certificate (restore it from your backup
    /// of the server folder)". `labels` are the PEM labels (`-----BEGIN LABEL-----`) that can
    /// hold a `kind`; a `WorkPlanCertificateError` from `parse` gives the problem's words.
    private func pemFile<Value>(at path: String, _ what: String, kind: String, labels: Set<String>,
                                parse: (String) throws -> Value) throws -> (String, Value) {
        let problem: String
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self)
            if let first = (try? PEMDocument.parseMultiple(pemString: text))?.first, labels.contains(first.discriminator) {
                do {
                    return (text, try parse(text))
                } catch let error as WorkPlanCertificateError {
                    problem = error.description
                } catch {
                    problem = "a damaged \(kind)"
                }
            } else {
                problem = data.isEmpty ? "an empty file, not a PEM \(kind)" : "not a PEM \(kind)"
            }
        } else {
            problem = FileManager.default.fileExists(atPath: path) ? "the file cannot be read (check its permissions)" : "the file is missing"
        }
        throw WorkPlanError(.corrupt, "cannot read the \(what) \(path): \(problem) (\(Self.restoreAdvice))")
    }
}
