import Foundation

/// Ends the program on a command line refused before argument-parser reads it, as
/// argument-parser ends on its own usage errors: "Error: …" on standard error, status 64.
func exitWithUsageError(_ message: String) -> Never {
    StandardStream.error("Error: \(message)\n")
    exit(64)
}
