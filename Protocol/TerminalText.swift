/// Text bound for a terminal. Error messages quote what the user typed or a file held; a
/// control character in it (an escape sequence, a carriage return) would recolour the
/// terminal or overwrite the line instead of being seen, and a bidirectional override would
/// reorder what is shown. Each such character is shown as its `\u{…}` escape instead; line
/// breaks and tabs stay.
public enum TerminalText {
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if isHidden(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// C0 and C1 controls (but line feed and tab), DEL, and the bidirectional embeddings,
    /// overrides and isolates (U+202A–U+202E, U+2066–U+2069).
    static func isHidden(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `text` as one value among other words on a line: when it holds a bidirectional
    /// embedding, override or isolate, it is wrapped in a first-strong isolate (U+2068 …
    /// U+2069), which ends whatever it left open. Long texts may hold such characters (an
    /// officer's right-to-left words), but shown inline an override left open reversed what
    /// followed: "by Lt Col. B. Smith (IMS)", or which value was kept (the text tester).
    /// Text without them is returned as it is. Each line is isolated on its own: a line
    /// break ends the paragraph, and an isolate opened on an earlier line would not close an
    /// override on the last (the reviewer).
    public static func isolated(_ text: String) -> String {
        func reorders(_ part: Substring) -> Bool {
            part.utf8.contains(where: { $0 >= 0xE2 })
                && part.unicodeScalars.contains(where: { (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) })
        }
        guard reorders(text[...]) else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { reorders($0) ? "\u{2068}" + $0 + "\u{2069}" : String($0) }
            .joined(separator: "\n")
    }
}
