import Foundation

/// Command-line words that are not UTF-8 text. Swift reads the command line as UTF-8 and
/// puts U+FFFD in place of bytes that are not, so `workplan add $'bad \xff title'` stored a
/// title nobody typed. Both programs refuse such a word before reading the command line.
public enum ArgumentEncoding {
    /// Why the first word of `words` (the command line after the program's name, as raw
    /// bytes) that is not valid UTF-8 is refused, naming it (by position, with the bad bytes
    /// shown as \xFF), or nil when every word is text.
    public static func refusal(_ words: [[UInt8]]) -> String? {
        for (i, word) in words.enumerated() where String(validating: word, as: UTF8.self) == nil {
            return "argument \(i + 1) ('\(shown(word))') is not UTF-8 text: set your terminal or script to UTF-8 and type it again"
        }
        return nil
    }

    /// The process's own command line after the program's name, as raw bytes.
    public static func arguments() -> [[UInt8]] {
        (1..<Int(CommandLine.argc)).map { i in
            guard let word = CommandLine.unsafeArgv[i] else { return [] }
            return Array(UnsafeBufferPointer(start: UnsafeRawPointer(word).assumingMemoryBound(to: UInt8.self), count: strlen(word)))
        }
    }

    /// Refuses the process's command line when a word of it is not UTF-8: the reason on
    /// standard error, and exit status 64 (a usage error, as argument-parser's).
    public static func exitUnlessText() {
        guard let reason = refusal(arguments()) else { return }
        exitWithUsageError(reason)
    }

    /// `word` with every byte that is not printable ASCII shown as \xNN, so the bad bytes
    /// show and the terminal is not handed them.
    static func shown(_ word: [UInt8]) -> String {
        word.map { (0x20..<0x7f).contains($0) && $0 != UInt8(ascii: "\\") ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
    }
}
