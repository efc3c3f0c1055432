import ArgumentParser
import WorkPlanServer

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a CA, a server certificate and an empty store (refuses to overwrite).")

    @OptionGroup var options: HomeOptions

    @OptionGroup var certificate: ServerNameOptions

    func run() throws {
        // As the certificate holds them: a name given twice is there once.
        let names = try CertificateAuthority.serverNames(certificate.names.isEmpty ? CertificateAuthority.defaultServerNames : certificate.names)
        let home = try ServerHome.initialize(at: options.home.directory, names: names)
        print("initialised \(home.directory) (server certificate for \(names.joined(separator: ", ")))")
    }
}

/// The names a server certificate covers (`init`, `renew`).
struct ServerNameOptions: ParsableArguments {
    @Option(name: .customLong("name"), help: "A host name or IP address the server certificate covers (repeatable; init: default localhost and 127.0.0.1; renew: default the current certificate's).")
    var names: [String] = []

    func validate() throws {
        for name in names where name.isEmpty {
            throw ValidationError("--name must not be empty")
        }
    }
}
