import ArgumentParser
import Foundation
import WorkPlanProtocol
import WorkPlanServer

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Replace the store with a backup (stop the server first); the store id changes.")

    @OptionGroup var options: HomeOptions
    @Option(help: "The backup file.") var from: String
    @Flag(help: "The backed-up server's keys are lost: restore its plan into this new server; its users are restored revoked, to be enrolled again.")
    var keysLost = false

    func validate() throws {
        guard !from.isEmpty else { throw ValidationError("--from is empty; name the backup file") }
    }

    func run() throws {
        let restored = try options.home.restore(from: from, keysLost: keysLost)
        if let aside = restored.damagedStoreKeptAt {
            print("the store in place was not a database; it was kept as \(aside)")
        }
        print("restored from \(from); new store id \(restored.storeId)")
        if !restored.revokedForOtherCA.isEmpty {
            print("revoked \(restored.revokedForOtherCA.count) users enrolled by the lost server's CA; enrol each again with 'workplan-server user add' (they keep their names and staffs): \(restored.revokedForOtherCA.joined(separator: ", "))")
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check the store's integrity and invariants; non-zero exit on a fault.")

    @OptionGroup var options: HomeOptions

    func run() throws {
        let store = try options.home.openStore()
        defer { try? store.close() }
        let dates = try options.home.certificateDates()
        for text in dates.endingSoon { print("warning: \(text)") }
        let faults = try store.check() + dates.ended
        if faults.isEmpty {
            print("ok")
            return
        }
        for fault in faults { print(fault) }
        throw WorkPlanError(.corrupt, "the store has \(faults.count) fault(s)")
    }
}

struct RenewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Issue the server certificate again for five years (same key and names, or --name); restart the server to use it.")

    @OptionGroup var options: HomeOptions

    @OptionGroup var certificate: ServerNameOptions

    func run() throws {
        let renewed = try options.home.renewServerCertificate(names: certificate.names.isEmpty ? nil : certificate.names)
        print("renewed the server certificate for \(renewed.names.joined(separator: ", ")), valid until \(TimeFormat.iso(Timestamp(renewed.until.timeIntervalSince1970 * 1000))); restart 'workplan-server serve' to use it (officers' bundles need nothing)")
    }
}
