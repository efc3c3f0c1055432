import Foundation
import Testing
import WorkPlanProtocol
@testable import WorkPlanClient

/// The brief's text helpers, as they were written with Foundation, then made one pass
/// each when a 50 000-task brief ran for an hour (the scale tester).
@Suite("Brief text helpers")
struct BriefTextTests {
    /// What `BriefMarkdown.inline` did with Foundation's replacingOccurrences.
    static func reference(_ s: String) -> String {
        s.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "<", with: "\\<").replacingOccurrences(of: ">", with: "\\>")
    }

    @Test(arguments: ["", "plain text", "a<b>c", "line\r\nnext", "a lone \r stays", "x\n\ny", "\r\r\n\n", "<<>>",
                      "é<ü>", "<script>alert(1)</script>", "emoji 🇪🇺\r\n<", "tab\there", "\n", "\r", "trailing\r\n"])
    func inlineIsWhatItWas(_ text: String) {
        #expect(BriefMarkdown.inline(text) == Self.reference(text))
        #expect(BriefMarkdown.inline(text).unicodeScalars.elementsEqual(Self.reference(text).unicodeScalars))
    }

    /// Foundation compared by character, so a bracket carrying a combining mark stayed
    /// unescaped; every bracket is escaped now.
    @Test func aBracketWithACombiningMarkIsEscapedToo() {
        #expect(BriefMarkdown.inline("a>\u{301} <\u{301}b").unicodeScalars.elementsEqual("a\\>\u{301} \\<\u{301}b".unicodeScalars))
    }

    /// One pass over the plan and the changes gives each task what the searches it
    /// replaced gave (written out here): the plan's title and releasability, or the
    /// changes' for a task deleted since, and its own changes other than its creation,
    /// then its notes'.
    @Test func taskEntriesAreWhatTheSearchesGave() throws {
        let p = try PulledPlan()
        _ = try p.replica.createRecord(.note, fields: ["task": .text(p.b), "text": .text("Checked again"), "author": .text("Dupont"),
                                                       "staff": .text("EUMS"), "releasable": .text("both")])
        try p.replica.deleteRecord(.task, id: p.a)
        let b = try p.replica.brief(conference: 21)
        let ids = b.changes.created + b.changes.closed + b.changes.changed + b.changes.deleted + ["ffffffff"]
        #expect(b.changes.deleted.contains(RecordID.short(p.a)))
        for entry in BriefText.taskEntries(b, ids) {
            let id = entry.id
            let title = b.task(id)?.title ?? b.changes.changes.first { $0.shortId == id }?.title ?? id
            let releasable = b.task(id)?.releasable ?? b.changes.changes.last { $0.kind == "task" && $0.shortId == id }?.releasable ?? "both"
            let changes = b.changes.changes.filter { $0.kind == "task" && $0.shortId == id && $0.action != "create" }
                + b.changes.changes.filter { $0.kind == "note" && $0.task.map(RecordID.short) == id }
            #expect(entry.title == title && entry.releasable == releasable, "\(id)")
            #expect(entry.changes == changes, "\(id)")
            #expect(entry.task == b.task(id), "\(id)")
        }
        #expect(BriefText.taskEntries(b, ids).map(\.id) == ids)
    }
}

/// The Markdown brief showed a title such as `[Minutes](javascript:alert(1))` as a live
/// link, and `*` or backquotes as emphasis or code, once rendered (the text tester). What
/// an officer wrote is now text wherever the brief is rendered.
@Suite("Markdown brief escapes inline marks")
struct MarkdownInlineTests {
    @Test(arguments: [
        ("[Minutes](javascript:alert(1))", #"\[Minutes\](javascript:alert(1))"#),
        ("![x](http://e/a.png)", #"!\[x\](http://e/a.png)"#),
        ("*urgent* and **very**", #"\*urgent\* and \*\*very\*\*"#),
        ("`rm -rf` ~~gone~~", #"\`rm -rf\` \~\~gone\~\~"#),
        ("_stress_ EU_NATO_LIAISON snake_case", #"\_stress\_ EU_NATO_LIAISON snake_case"#),
        ("a\\b", #"a\\b"#),
        ("AT&amp;T &#60; R&D & co", #"AT\&amp;T \&#60; R\&D & co"#),
        ("plain, with: punctuation! (and 1.5)", "plain, with: punctuation! (and 1.5)"),
    ])
    func marksAreEscaped(_ pair: (String, String)) {
        #expect(BriefMarkdown.inline(pair.0) == pair.1)
    }

    /// In the whole brief: the title and the note stay text, and the marks the brief adds
    /// (the staff-only mark, the short id as code) stay marks.
    @Test func aBriefKeepsTitlesAsTextAndItsOwnMarks() throws {
        let p = try PulledPlan()
        let id = try p.replica.createRecord(.task, fields: ["title": .text("[Minutes](javascript:alert(1)) *now*"), "area": .text(p.area),
                                                            "lead": .text("EUMS"), "status": .text("open"), "priority": .text("high"),
                                                            "releasable": .text("EUMS")])
        _ = try p.replica.createRecord(.note, fields: ["task": .text(id), "text": .text("See `notes` | [here](x)"), "author": .text("Dupont"),
                                                       "staff": .text("EUMS"), "releasable": .text("EUMS")])
        let md = BriefMarkdown.render(try p.replica.brief(conference: 21))
        let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("| \(RecordID.short(id)) |") })
        #expect(row.contains(#"| \[Minutes\](javascript:alert(1)) \*now\* **[EUMS only]** |"#), "\(row)")
        #expect(row.contains(#"| **[EUMS only]** See \`notes\` \| \[here\](x) — "#), "\(row)")
        #expect(md.contains("- `\(RecordID.short(id))` \\[Minutes\\](javascript:alert(1)) \\*now\\* **[EUMS only]**"), "the new tasks")
    }
}

/// The text tester: values shown inline in the brief and in `history` ended what followed
/// them reversed when they held a right-to-left override.
@Suite("Inline values are isolated")
struct InlineIsolationTests {
    @Test func briefAndHistoryIsolateAValueWithAnOverride() {
        let rlo = "IMS text \u{202E}DONE"
        #expect(BriefText.value(.text(rlo)) == "\u{2068}\(rlo)\u{2069}")
        #expect(Replica.readable(.text(rlo), field: "description", of: .task, areas: [:]) == "\u{2068}\(rlo)\u{2069}")
        #expect(BriefText.value(.text("plain")) == "plain")
    }
}
