import Testing
import WorkPlanProtocol

/// Text shown to officers among other words (`TerminalText`).
@Suite("Terminal text")
struct TerminalTextTests {
    /// The text tester: a note holding U+202E, shown inline, reversed "by Lt Col. B. Smith
    /// (IMS)" after it. Wrapped in an isolate, the override ends with the value.
    @Test func aValueWithAnOverrideIsIsolated() {
        #expect(TerminalText.isolated("IMS text \u{202E}DONE") == "\u{2068}IMS text \u{202E}DONE\u{2069}")
        #expect(TerminalText.isolated("a \u{2067}b") == "\u{2068}a \u{2067}b\u{2069}")
        // Line by line: an isolate does not reach across a line break.
        #expect(TerminalText.isolated("first\nsecond \u{202E}DONE") == "first\n\u{2068}second \u{202E}DONE\u{2069}")
        // Right-to-left words without formatting characters need nothing, nor does the rest.
        for plain in ["plain", "Coopération – médicale", "التعاون الطبي", "", "€ – ✓"] {
            #expect(TerminalText.isolated(plain) == plain)
        }
    }

    @Test func controlCharactersAreShownAsEscapes() {
        #expect(TerminalText.visible("a\u{1B}[31mb\u{202E}c\nd") == "a\\u{1B}[31mb\\u{202E}c\nd")
    }
}
